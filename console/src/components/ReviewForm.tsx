// An officer's review of a submitted case or application: a required comment, 通过 or 驳回, and the
// outcome. The form shows only while the item awaits a review; the outcome stays after it closes.
import { useState } from "preact/hooks";

export type Decision = "accept" | "reject";

export function ReviewForm({ open, commentId, done, review, error, setError }: {
  open: boolean;
  /** id of the comment textarea (the label points at it). */
  commentId: string;
  /** What the officer reads after each decision. */
  done: Record<Decision, string>;
  /** Sends the decision; answers a problem text, or undefined when it was recorded. */
  review: (decision: Decision, comment: string) => Promise<string | undefined>;
  /** The detail's error (loading and reviewing share it). */
  error: string | undefined;
  setError: (e: string) => void;
}) {
  const [comment, setComment] = useState("");
  const [message, setMessage] = useState<string | undefined>();
  const act = async (decision: Decision) => {
    const problem = await review(decision, comment.trim());
    if (problem !== undefined) return setError(problem);
    setMessage(done[decision]);
    setComment("");
  };
  return (
    <>
      {open && (
        <form class="review" onSubmit={(e) => e.preventDefault()}>
          <label for={commentId}>审核意见（必填）</label>
          <textarea id={commentId} rows={3} maxLength={4000} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
          <div class="actions">
            <button type="button" disabled={!comment.trim()} onClick={() => act("accept")}>通过</button>
            <button type="button" class="danger" disabled={!comment.trim()} onClick={() => act("reject")}>驳回</button>
          </div>
        </form>
      )}
      {message && <p class="info" role="status">{message}</p>}
      {error && <p class="error" role="alert">{error}</p>}
    </>
  );
}
