// The idle timeout: a console left alone logs itself out (the session token is forgotten, so
// the next person at the desk sees the login form). The gateway's own token expiry still applies.
export const IDLE_MINUTES = 15;

export function watchIdle(onIdle: () => void, ms = IDLE_MINUTES * 60_000): () => void {
  let timer = setTimeout(onIdle, ms);
  let last = Date.now();
  const touch = () => {
    const now = Date.now();
    if (now - last < 1000) return; // pointer moves arrive in bursts; one reset a second is plenty
    last = now;
    clearTimeout(timer);
    timer = setTimeout(onIdle, ms);
  };
  const events = ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"] as const;
  for (const e of events) addEventListener(e, touch, { passive: true });
  return () => {
    clearTimeout(timer);
    for (const e of events) removeEventListener(e, touch);
  };
}
