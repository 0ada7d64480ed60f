// The merchant page's script, served as its own file (GET /m/assets/notice.js) so the page's CSP
// needs no inline script. It reads the link's token from the URL fragment (#t=..., never sent
// to a server, so no proxy logs it), moves it to sessionStorage and takes it out of the address
// bar (so a copied address or a screenshot does not carry it), loads the notice's content with
// the token as the bearer, and drives the JSON API: acknowledge, submit evidence (files read
// with FileReader and sent base64-encoded), download evidence files. No referrer, no cookies.
// Plain ES2017, no build.
export const MERCHANT_PAGE_SCRIPT = String.raw`
(function () {
  "use strict";
  var path = location.pathname;
  var base = path.slice(0, path.lastIndexOf("/m"));
  var KEY = "merchant-link";
  var found = /(?:^#|&)t=([^&]+)/.exec(location.hash || "");
  var token = found ? decodeURIComponent(found[1]) : "";
  try {
    if (token) {
      sessionStorage.setItem(KEY, token);
      history.replaceState(null, "", path);
    } else {
      token = sessionStorage.getItem(KEY) || "";
    }
  } catch (e) { /* storage unavailable: the fragment stays in the address */ }
  var main = document.getElementById("notice");
  var MESSAGES = {
    400: "提交的内容不符合要求",
    401: "链接无效或已过期，请向平台索取新的链接",
    404: "未找到",
    409: "当前状态下不能进行此操作",
    413: "文件过大",
    429: "操作过于频繁，请稍后再试"
  };

  function api(method, p, body, idempotencyKey) {
    var headers = { authorization: "Bearer " + token };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    return fetch(base + p, {
      method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer"
    });
  }

  function failure(res) {
    return res.json().catch(function () { return {}; }).then(function (p) {
      var text = MESSAGES[res.status] || ("操作失败（" + res.status + "）");
      return p && p.detail ? text + "：" + p.detail : text;
    });
  }

  function invalid() {
    var section = document.createElement("section");
    var h1 = document.createElement("h1");
    h1.textContent = "链接无效或已过期";
    var p = document.createElement("p");
    p.textContent = "此行政提示链接无效、已被撤销或已超过有效期。请在您所在的电商平台重新打开该行政提示以获取新的链接，或直接联系发出提示的市场监督管理部门。";
    section.appendChild(h1);
    section.appendChild(p);
    main.textContent = "";
    main.appendChild(section);
  }

  // The content is rendered and escaped by the gateway (no scripts: the page's CSP runs only
  // this file); the buttons and the form in it are wired up after each load.
  function load() {
    if (!token) { invalid(); return; }
    api("GET", "/v1/merchant/notice/html").then(function (res) {
      if (res.status === 401) { invalid(); return; }
      if (!res.ok) return failure(res).then(function (t) { main.textContent = t; });
      return res.text().then(function (html) {
        main.innerHTML = html;
        var h1 = main.querySelector("h1");
        if (h1) document.title = h1.textContent;
        wire();
      });
    }, function () { main.textContent = "网络错误，请刷新重试"; });
  }

  function show(id, text, ok) {
    var el = document.getElementById(id);
    if (!el) return;
    el.textContent = text;
    el.className = ok ? "msg ok" : "msg err";
  }

  function wire() {
    var ack = document.getElementById("ack");
    if (ack) ack.addEventListener("click", function () {
      ack.disabled = true;
      api("POST", "/v1/merchant/notice/acknowledge", {}).then(function (res) {
        if (res.ok) { load(); return; }
        return failure(res).then(function (t) { show("ack-msg", t, false); ack.disabled = false; });
      }, function () { show("ack-msg", "网络错误，请重试", false); ack.disabled = false; });
    });

    function readBase64(file) {
      return new Promise(function (resolve, reject) {
        var r = new FileReader();
        r.onload = function () { var s = String(r.result); resolve(s.slice(s.indexOf(",") + 1)); };
        r.onerror = function () { reject(r.error); };
        r.readAsDataURL(file);
      });
    }

    function newKey() {
      return (typeof crypto !== "undefined" && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + "-" + String(Math.random()).slice(2);
    }

    var EXT_TYPES = { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", webp: "image/webp", pdf: "application/pdf" };
    // The evidence form and the credit restoration form send the same kind of body to their endpoints.
    function bindEvidenceForm(formId, endpoint, msgId) {
    // One key per submission, kept across retries after a network error (the gateway then answers a
    // retry of a submission that did arrive with its first answer), new after any answer.
    var evidenceKey = null;
    var form = document.getElementById(formId);
    if (!form) return;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var maxFiles = Number(form.getAttribute("data-max-files"));
      var maxBytes = Number(form.getAttribute("data-max-bytes"));
      var types = (form.getAttribute("data-types") || "").split(",");
      var text = form.elements.namedItem("text").value.trim();
      var links = form.elements.namedItem("links").value.split(/\s+/).filter(function (l) { return l !== ""; });
      var files = Array.prototype.slice.call(form.elements.namedItem("files").files || []);
      if (!text && links.length === 0 && files.length === 0) { show(msgId, "请至少填写整改说明、链接或上传文件", false); return; }
      if (links.some(function (l) { return !/^https?:\/\//i.test(l); })) { show(msgId, "链接须以 http:// 或 https:// 开头", false); return; }
      if (files.length > maxFiles) { show(msgId, "每次最多上传 " + maxFiles + " 个文件", false); return; }
      var typed = [];
      for (var i = 0; i < files.length; i++) {
        var f = files[i];
        var t = types.indexOf(f.type) >= 0 ? f.type : EXT_TYPES[(f.name.split(".").pop() || "").toLowerCase()];
        if (!t) { show(msgId, "不支持的文件类型：" + f.name + "（仅限 JPG、PNG、WEBP、PDF）", false); return; }
        if (f.size > maxBytes) { show(msgId, "文件过大：" + f.name + "（每个文件不超过 " + Math.floor(maxBytes / 1048576) + " MB）", false); return; }
        typed.push({ file: f, type: t });
      }
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      show(msgId, "正在提交……", true);
      Promise.all(typed.map(function (x) {
        return readBase64(x.file).then(function (b64) { return { name: x.file.name, contentType: x.type, contentBase64: b64 }; });
      })).then(function (encoded) {
        var body = {};
        if (text) body.text = text;
        if (links.length) body.links = links;
        if (encoded.length) body.files = encoded;
        evidenceKey = evidenceKey || newKey();
        return api("POST", endpoint, body, evidenceKey);
      }).then(function (res) {
        evidenceKey = null;
        if (res.ok) { load(); return; }
        return failure(res).then(function (t) { show(msgId, t, false); button.disabled = false; });
      }, function () { show(msgId, "网络错误，请重试", false); button.disabled = false; });
    });
    }
    bindEvidenceForm("evidence", "/v1/merchant/notice/evidence", "evidence-msg");
    bindEvidenceForm("restoration", "/v1/merchant/restoration/applications", "restoration-msg");

    Array.prototype.forEach.call(document.querySelectorAll("button[data-evidence]"), function (b) {
      b.addEventListener("click", function () {
        api("GET", "/v1/merchant/notice/evidence/" + encodeURIComponent(b.getAttribute("data-evidence"))).then(function (res) {
          if (!res.ok) return failure(res).then(function (t) { alert(t); });
          return res.blob().then(function (blob) {
            var a = document.createElement("a");
            a.href = URL.createObjectURL(blob);
            a.download = b.getAttribute("data-name") || "evidence";
            document.body.appendChild(a);
            a.click();
            setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
          });
        });
      });
    });
  }

  load();
})();
`;
