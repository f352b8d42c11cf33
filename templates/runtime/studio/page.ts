/**
 * The studio's page and stylesheet (contract section 13). The page holds no data and no inline
 * script or style: the Content-Security-Policy it is served with allows only the server's own
 * `/studio/studio.js` and `/studio/studio.css`, and the script fills the page with nodes it
 * builds itself (`textContent`, never `innerHTML`).
 */

export const STUDIO_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Studio</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/studio/studio.css" />
    <script type="module" src="/studio/studio.js"></script>
  </head>
  <body>
    <header class="bar">
      <h1>Studio</h1>
      <p id="who" class="who" aria-live="polite"></p>
      <button id="sign-in" type="button" hidden>Sign in</button>
      <button id="sign-out" type="button" hidden>Sign out</button>
    </header>
    <div class="layout">
      <nav class="tables" aria-labelledby="tables-heading">
        <h2 id="tables-heading">Tables</h2>
        <ul id="tables"></ul>
      </nav>
      <main id="main">
        <p id="loading" class="notice">
          Loading the studio&hellip; If this stays, the page's script (/studio/studio.js) could not
          be loaded: it is compiled with the server (npm run build).
        </p>
        <p id="page-error" class="error" role="alert" hidden></p>

        <section id="login" class="panel" aria-labelledby="login-heading" hidden>
          <h2 id="login-heading">Sign in</h2>
          <p id="login-reason"></p>
          <form id="login-form" class="login">
            <label for="login-username">Username</label>
            <input id="login-username" name="username" autocomplete="username" required />
            <label for="login-password">Password</label>
            <input
              id="login-password"
              name="password"
              type="password"
              autocomplete="current-password"
              required
            />
            <div class="actions">
              <button id="login-submit" type="submit">Sign in</button>
              <button id="login-cancel" type="button">Cancel</button>
            </div>
            <p id="login-error" class="error" role="alert"></p>
          </form>
        </section>

        <p id="choose" class="notice" hidden>Choose a table.</p>

        <section id="table-view" aria-labelledby="table-name" hidden>
          <h2 id="table-name"></h2>
          <details id="schema" class="panel">
            <summary>Schema</summary>
            <table class="grid">
              <caption id="schema-caption"></caption>
              <thead>
                <tr>
                  <th scope="col">Attribute</th>
                  <th scope="col">Type</th>
                  <th scope="col">Notes</th>
                </tr>
              </thead>
              <tbody id="schema-rows"></tbody>
            </table>
          </details>

          <form id="query-form" class="query">
            <label for="query">Query</label>
            <div class="query-line">
              <span id="query-prefix" class="prefix"></span>
              <input
                id="query"
                name="query"
                spellcheck="false"
                autocomplete="off"
                placeholder="price=lt=100&amp;sort(-price)&amp;limit(20)"
                aria-describedby="query-help"
              />
              <button id="run" type="submit">Run</button>
            </div>
            <p id="query-help" class="help">
              What follows <code>?</code> in a query URL: conditions (<code>name=Widget</code>,
              <code>price=lt=100</code>), <code>select()</code>, <code>sort()</code>,
              <code>limit()</code>. Live subscriptions take no <code>limit()</code>.
            </p>
            <label class="toggle"><input id="live" type="checkbox" /> Live: follow changes</label>
          </form>

          <p id="query-error" class="error" role="alert" hidden></p>
          <p id="result-info" class="info" role="status"></p>
          <div class="results" role="region" aria-label="Results" tabindex="0">
            <table id="results" class="grid"></table>
          </div>
        </section>

        <section id="editor" class="panel" aria-labelledby="editor-heading" hidden>
          <h2 id="editor-heading"></h2>
          <form id="editor-form">
            <label for="record">Record (JSON): changed attributes are saved with PATCH</label>
            <textarea id="record" name="record" rows="16" spellcheck="false"></textarea>
            <div class="actions">
              <button id="save" type="submit">Save</button>
              <button id="reload" type="button">Reload</button>
              <button id="close" type="button">Close</button>
            </div>
            <p id="editor-error" class="error" role="alert" hidden></p>
            <p id="editor-status" class="info" role="status"></p>
          </form>
        </section>
      </main>
    </div>
  </body>
</html>
`;

export const STUDIO_CSS = `:root {
  color-scheme: light dark;
  --fg: #1d2330;
  --muted: #5b6475;
  --bg: #ffffff;
  --panel: #f4f6f9;
  --line: #d6dbe3;
  --accent: #2754c5;
  --accent-fg: #ffffff;
  --error: #b3261e;
  --live: #1e7d3a;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg);
  background: var(--bg);
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e6e9ef;
    --muted: #a3abba;
    --bg: #15181e;
    --panel: #1f242c;
    --line: #343b47;
    --accent: #7fa2ff;
    --accent-fg: #0d1117;
    --error: #ff8a80;
    --live: #6fd08c;
  }
}
[hidden] {
  display: none !important;
}
body {
  margin: 0;
}
h1 {
  font-size: 1.2rem;
  margin: 0;
}
h2 {
  font-size: 1.1rem;
  margin: 0 0 0.6rem;
}
code {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 0.9em;
}
.bar {
  display: flex;
  align-items: center;
  gap: 1rem;
  padding: 0.6rem 1rem;
  border-bottom: 1px solid var(--line);
  background: var(--panel);
}
.who {
  margin: 0 0 0 auto;
  color: var(--muted);
}
.layout {
  display: grid;
  grid-template-columns: minmax(10rem, 14rem) 1fr;
  min-height: calc(100vh - 3rem);
}
.tables {
  border-right: 1px solid var(--line);
  padding: 1rem;
}
.tables ul {
  list-style: none;
  margin: 0;
  padding: 0;
}
.tables li + li {
  margin-top: 0.25rem;
}
.tables button {
  width: 100%;
  text-align: left;
}
.tables button[aria-current="true"] {
  background: var(--accent);
  color: var(--accent-fg);
  border-color: var(--accent);
}
main {
  padding: 1rem 1.25rem;
  min-width: 0;
}
button {
  font: inherit;
  padding: 0.3rem 0.8rem;
  border: 1px solid var(--line);
  border-radius: 4px;
  background: var(--bg);
  color: var(--fg);
  cursor: pointer;
}
button[type="submit"] {
  background: var(--accent);
  border-color: var(--accent);
  color: var(--accent-fg);
}
button:disabled {
  opacity: 0.6;
  cursor: default;
}
input,
textarea {
  font: inherit;
  color: var(--fg);
  background: var(--bg);
  border: 1px solid var(--line);
  border-radius: 4px;
  padding: 0.3rem 0.5rem;
}
textarea {
  width: 100%;
  box-sizing: border-box;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 0.9rem;
}
:focus-visible {
  outline: 2px solid var(--accent);
  outline-offset: 2px;
}
label {
  display: block;
  font-weight: 600;
  margin: 0.4rem 0 0.2rem;
}
label.toggle {
  display: inline-flex;
  align-items: center;
  gap: 0.4rem;
  font-weight: normal;
}
.panel {
  background: var(--panel);
  border: 1px solid var(--line);
  border-radius: 6px;
  padding: 0.75rem 1rem;
  margin-bottom: 1rem;
}
.panel summary {
  cursor: pointer;
  font-weight: 600;
}
.login {
  display: grid;
  grid-template-columns: max-content minmax(10rem, 20rem);
  gap: 0.4rem 0.8rem;
  align-items: center;
}
.login label {
  margin: 0;
}
.login .actions,
.login .error {
  grid-column: 1 / -1;
}
.actions {
  display: flex;
  gap: 0.5rem;
  margin-top: 0.5rem;
}
.query {
  margin: 0.5rem 0;
}
.query-line {
  display: flex;
  gap: 0.4rem;
  align-items: center;
}
.query-line input {
  flex: 1;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
.prefix {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  color: var(--muted);
}
.help,
.info,
.notice {
  color: var(--muted);
  margin: 0.4rem 0;
}
.error {
  color: var(--error);
  margin: 0.4rem 0;
  white-space: pre-wrap;
}
.info.live::before {
  content: "\\25CF  ";
  color: var(--live);
}
.results {
  overflow-x: auto;
}
.grid {
  border-collapse: collapse;
  width: 100%;
  font-size: 0.9rem;
}
.grid caption {
  text-align: left;
  color: var(--muted);
  padding: 0.3rem 0;
}
.grid th,
.grid td {
  border-bottom: 1px solid var(--line);
  padding: 0.3rem 0.5rem;
  text-align: left;
  vertical-align: top;
  max-width: 24rem;
  overflow: hidden;
  text-overflow: ellipsis;
  white-space: nowrap;
}
.grid th {
  background: var(--panel);
}
#results tbody tr[data-key] {
  cursor: pointer;
}
#results tbody tr[data-key]:hover {
  background: var(--panel);
}
#results td button {
  padding: 0 0.4rem;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
.null {
  color: var(--muted);
  font-style: italic;
}
`;
