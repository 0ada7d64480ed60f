// Login with a regulator account (POST /v1/auth/login). The token it returns is kept in memory
// only (see lib/api.ts); the password field is cleared whatever the outcome.
import { useState } from "preact/hooks";
import { api, setSession } from "../lib/api";

export function Login({ notice }: { notice?: string | undefined }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { data, response } = await api.POST("/v1/auth/login", { body: { username, password } });
      setPassword("");
      if (data) {
        setSession({ token: data.token, username, role: data.role, regionPrefix: data.regionPrefix, expiresAt: Date.parse(data.expiresAt) });
        if (!location.hash) location.hash = "#/overview";
        return;
      }
      setError(
        response.status === 401
          ? "用户名或密码错误。"
          : response.status === 429
            ? `尝试过于频繁，请 ${response.headers.get("Retry-After") ?? "稍后"} 秒后再试。`
            : "登录服务暂不可用，请稍后再试。",
      );
    } catch {
      setError("无法连接网关。");
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login" id="main">
      <form onSubmit={submit} aria-describedby={error ? "login-error" : undefined}>
        <h1>信用沙盒监管控制台</h1>
        <p class="muted">成都市市场监督管理局 · 网络交易经营主体信用风险分类监管</p>
        {notice && <p class="info" role="status">{notice}</p>}
        <label for="username">用户名</label>
        <input id="username" name="username" autoComplete="username" required maxLength={100} value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        <label for="password">密码</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required maxLength={200} value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        {error && (
          <p id="login-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "登录中…" : "登录"}
        </button>
      </form>
    </main>
  );
}
