/**
 * The studio's script (contract section 13), compiled with the server and served as
 * `/studio/studio.js`: it runs in the browser, never in the server. It lists the exported tables
 * (`/studio/tables.json`), shows a table's schema, runs a query of the query language and shows
 * the records as a table, opens a record as JSON and saves what changed with PATCH, and follows
 * a query live with an `EventSource`. Every data request goes through the REST API and its
 * authentication: a 401 shows the sign-in form, whose access token (`POST /auth/login`) is kept in
 * `sessionStorage` and sent as `Authorization: Bearer …`, or as `access_token=` on an event
 * stream. Nodes are built with `textContent`, never from HTML, so no value can become markup.
 *
 * Browser globals come from `globalThis` typed by `./dom.js` (see there why).
 */
import type {
  BrowserGlobals,
  StudioCheckbox,
  StudioControl,
  StudioElement,
  StudioEvent,
  StudioEventSource,
} from './dom.js';

const { document, sessionStorage, EventSource } = globalThis as unknown as BrowserGlobals;

/** Records a query shows at most when it has no `limit()` of its own. */
const QUERY_ROWS = 100;
/** Rows a live view shows at most (it keeps every match). */
const LIVE_ROWS = 500;
const ACCESS_TOKEN = 'codegen-studio.accessToken';
const REFRESH_TOKEN = 'codegen-studio.refreshToken';

interface AttributeInfo {
  readonly name: string;
  readonly type: string;
  readonly primaryKey?: boolean;
  readonly indexed?: boolean;
  readonly unique?: boolean;
  readonly timestamp?: string;
  readonly relationship?: {
    readonly kind: string;
    readonly table: string;
    readonly from?: string;
    readonly to?: string;
  };
}

interface TableInfo {
  /** The URL segment. */
  readonly name: string;
  readonly primaryKey: string;
  readonly attributes: readonly AttributeInfo[];
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  /** JSON when the answer is JSON, else its text. */
  readonly body: unknown;
}

/** A record shown: its key (null when the query's `select()` left it out) and its value. */
interface Row {
  readonly key: unknown;
  readonly value: unknown;
}

function element(id: string): StudioElement {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found;
}

const ui = {
  loading: element('loading'),
  pageError: element('page-error'),
  who: element('who'),
  signIn: element('sign-in'),
  signOut: element('sign-out'),
  tables: element('tables'),
  choose: element('choose'),
  login: element('login'),
  loginReason: element('login-reason'),
  loginForm: element('login-form'),
  loginUsername: element('login-username') as StudioControl,
  loginPassword: element('login-password') as StudioControl,
  loginSubmit: element('login-submit') as StudioControl,
  loginCancel: element('login-cancel'),
  loginError: element('login-error'),
  tableView: element('table-view'),
  tableName: element('table-name'),
  schemaCaption: element('schema-caption'),
  schemaRows: element('schema-rows'),
  queryForm: element('query-form'),
  queryPrefix: element('query-prefix'),
  query: element('query') as StudioControl,
  live: element('live') as StudioCheckbox,
  queryError: element('query-error'),
  resultInfo: element('result-info'),
  results: element('results'),
  editor: element('editor'),
  editorHeading: element('editor-heading'),
  editorForm: element('editor-form'),
  record: element('record') as StudioControl,
  save: element('save') as StudioControl,
  reload: element('reload'),
  close: element('close'),
  editorError: element('editor-error'),
  editorStatus: element('editor-status'),
};

const state: {
  tables: readonly TableInfo[];
  /** Each table's button in the list, by table. */
  buttons: Map<string, StudioElement>;
  table: TableInfo | null;
  /** What to do again once the user has signed in. */
  afterSignIn: (() => Promise<void>) | null;
  live: LiveView | null;
  /** Bumped by every query: an answer to an older one is dropped. */
  queryRun: number;
  editing: {
    readonly table: TableInfo;
    readonly key: unknown;
    original: Record<string, unknown>;
    etag: string | null;
  } | null;
} = {
  tables: [],
  buttons: new Map(),
  table: null,
  afterSignIn: null,
  live: null,
  queryRun: 0,
  editing: null,
};

// --- requests -----------------------------------------------------------------------------

function accessToken(): string | null {
  return sessionStorage.getItem(ACCESS_TOKEN);
}

/** A request of the REST API, with the access token when there is one; JSON in, JSON out. */
async function request(
  method: string,
  path: string,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<Answer> {
  const send = (): Promise<Response> => {
    const headers: Record<string, string> = { Accept: 'application/json', ...extra };
    const token = accessToken();
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(path, {
      method,
      headers,
      // No cookies, and no browser prompt for Basic credentials on a 401: the page signs in itself.
      credentials: 'omit',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  };
  let response = await send();
  if (response.status === 401 && accessToken() !== null && (await refreshTokens())) {
    response = await send();
  }
  return { status: response.status, headers: response.headers, body: await bodyOf(response) };
}

async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  if (!(response.headers.get('content-type') ?? '').includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** New tokens for the refresh token; false (and no tokens kept) when it is refused. */
async function refreshTokens(): Promise<boolean> {
  const refreshToken = sessionStorage.getItem(REFRESH_TOKEN);
  sessionStorage.removeItem(ACCESS_TOKEN);
  if (refreshToken === null) return false;
  const response = await fetch('/auth/refresh', {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    credentials: 'omit',
    body: JSON.stringify({ refreshToken }),
  });
  const body = await bodyOf(response);
  if (response.status !== 200 || !keepTokens(body)) {
    sessionStorage.removeItem(REFRESH_TOKEN);
    return false;
  }
  return true;
}

function keepTokens(body: unknown): boolean {
  if (!isObject(body) || typeof body.accessToken !== 'string') return false;
  sessionStorage.setItem(ACCESS_TOKEN, body.accessToken);
  if (typeof body.refreshToken === 'string')
    sessionStorage.setItem(REFRESH_TOKEN, body.refreshToken);
  return true;
}

/** The server's error message of a failed answer (`{"error", "code"}`), as a sentence to show. */
function problemOf(answer: Answer): string {
  const body = answer.body;
  if (isObject(body) && typeof body.error === 'string') {
    return typeof body.code === 'string' ? `${body.error} (${body.code})` : body.error;
  }
  if (typeof body === 'string' && body !== '') return `${answer.status}: ${body.slice(0, 500)}`;
  return `The server answered ${answer.status}`;
}

/**
 * Shows the failure of a data request in `where`; a 401, or a 403 without credentials, also asks
 * the user to sign in, and runs `again` once they have.
 */
function failed(answer: Answer, where: StudioElement, again: () => Promise<void>): void {
  show(where, problemOf(answer));
  if (answer.status === 401) {
    askSignIn('The server needs you to sign in for this.', again);
  } else if (answer.status === 403 && accessToken() === null) {
    askSignIn('Requests without credentials may not do this: sign in as a user who may.', again);
  }
}

// --- signing in ---------------------------------------------------------------------------

function askSignIn(reason: string, again: (() => Promise<void>) | null): void {
  state.afterSignIn = again;
  ui.loginReason.textContent = reason;
  ui.loginError.textContent = '';
  ui.login.hidden = false;
  ui.loginUsername.focus();
}

async function signIn(): Promise<void> {
  ui.loginError.textContent = '';
  ui.loginSubmit.disabled = true;
  try {
    const response = await fetch('/auth/login', {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      credentials: 'omit',
      body: JSON.stringify({
        username: ui.loginUsername.value,
        password: ui.loginPassword.value,
      }),
    });
    const answer = {
      status: response.status,
      headers: response.headers,
      body: await bodyOf(response),
    };
    if (answer.status !== 200 || !keepTokens(answer.body)) {
      ui.loginError.textContent = problemOf(answer);
      return;
    }
  } finally {
    ui.loginSubmit.disabled = false;
  }
  ui.loginPassword.value = '';
  ui.login.hidden = true;
  hide(ui.queryError);
  hide(ui.editorError);
  await showWho();
  const again = state.afterSignIn;
  state.afterSignIn = null;
  if (again !== null) await again();
}

async function signOut(): Promise<void> {
  sessionStorage.removeItem(ACCESS_TOKEN);
  sessionStorage.removeItem(REFRESH_TOKEN);
  stopLive();
  await showWho();
  if (state.table !== null) await runQuery();
}

/** Says who the page acts as (`GET /auth/me`). */
async function showWho(): Promise<void> {
  const answer = await request('GET', '/auth/me');
  // A token the server refused is gone by now.
  const signedIn = accessToken() !== null;
  ui.signIn.hidden = signedIn;
  ui.signOut.hidden = !signedIn;
  if (answer.status === 401) {
    ui.who.textContent = 'Not signed in';
    askSignIn('This server needs you to sign in.', runQueryIfShown);
    return;
  }
  const me = answer.body;
  if (answer.status !== 200 || !isObject(me)) {
    ui.who.textContent = '';
    return;
  }
  const role = typeof me.role === 'string' ? me.role : '';
  if (typeof me.username === 'string') {
    ui.who.textContent = `Signed in as ${me.username} (${me.superUser === true ? 'super user' : `role ${role}`})`;
  } else if (me.superUser === true) {
    ui.who.textContent = 'This machine, as the super user (AUTHORIZE_LOCAL)';
  } else {
    ui.who.textContent = `Not signed in (role ${role})`;
  }
}

function runQueryIfShown(): Promise<void> {
  return state.table === null ? Promise.resolve() : runQuery();
}

// --- tables and their schema ---------------------------------------------------------------

async function loadTables(): Promise<void> {
  const answer = await request('GET', '/studio/tables.json');
  const body = answer.body;
  if (answer.status !== 200 || !isObject(body) || !Array.isArray(body.tables)) {
    show(ui.pageError, `The list of tables cannot be read: ${problemOf(answer)}`);
    return;
  }
  state.tables = body.tables as TableInfo[];
  const items = state.tables.map((table) => {
    const button = node('button', table.name);
    button.setAttribute('type', 'button');
    button.addEventListener(
      'click',
      later(() => selectTable(table)),
    );
    state.buttons.set(table.name, button);
    const item = node('li');
    item.append(button);
    return item;
  });
  ui.tables.replaceChildren(...items);
  if (state.tables.length === 0) {
    ui.choose.hidden = true;
    show(ui.pageError, 'This server exports no table.');
  }
}

async function selectTable(table: TableInfo): Promise<void> {
  stopLive();
  closeEditor();
  state.table = table;
  for (const [name, button] of state.buttons) {
    button.setAttribute('aria-current', String(name === table.name));
  }
  ui.choose.hidden = true;
  ui.tableView.hidden = false;
  ui.tableName.textContent = table.name;
  ui.queryPrefix.textContent = `/${table.name}/?`;
  ui.query.value = '';
  ui.schemaCaption.textContent = `Primary key: ${table.primaryKey}`;
  ui.schemaRows.replaceChildren(
    ...table.attributes.map((attribute) => {
      const row = node('tr');
      row.append(
        node('td', attribute.name),
        node('td', attribute.type),
        node('td', notesOf(attribute)),
      );
      return row;
    }),
  );
  ui.query.focus();
  await runQuery();
}

function notesOf(attribute: AttributeInfo): string {
  const notes: string[] = [];
  if (attribute.primaryKey === true) notes.push('primary key');
  if (attribute.unique === true) notes.push('unique');
  else if (attribute.indexed === true) notes.push('indexed');
  if (attribute.timestamp !== undefined) notes.push(`${attribute.timestamp} time`);
  const relationship = attribute.relationship;
  if (relationship !== undefined) {
    const through =
      relationship.from !== undefined ? `from ${relationship.from}` : `to ${relationship.to ?? ''}`;
    notes.push(
      `relationship (${relationship.kind}) to ${relationship.table}, ${through}; not stored`,
    );
  }
  return notes.join(', ');
}

// --- queries ------------------------------------------------------------------------------

function currentQuery(): string {
  const text = ui.query.value.trim();
  return text.startsWith('?') ? text.slice(1) : text;
}

/** Whether the query limits its answer itself (`limit(…)`, `limit=`, `offset=`). */
function limits(query: string): boolean {
  return /(^|&)\s*(limit\(|limit=|offset=)/.test(query);
}

async function runQuery(): Promise<void> {
  const table = state.table;
  if (table === null) return;
  hide(ui.queryError);
  if (ui.live.checked) {
    startLive(table, currentQuery());
    return;
  }
  stopLive();
  const run = ++state.queryRun;
  const query = currentQuery();
  const sent = limits(query)
    ? query
    : [query, `limit(${QUERY_ROWS})`].filter((part) => part !== '').join('&');
  ui.resultInfo.textContent = 'Running the query…';
  ui.resultInfo.classList.toggle('live', false);
  const answer = await request('GET', `/${table.name}/?${sent}`, undefined, {
    Prefer: 'count=exact',
  });
  if (run !== state.queryRun) return;
  if (answer.status !== 200 || !Array.isArray(answer.body)) {
    ui.resultInfo.textContent = '';
    ui.results.replaceChildren();
    failed(answer, ui.queryError, runQuery);
    return;
  }
  const values = answer.body as unknown[];
  const total = /\/(\d+)$/.exec(answer.headers.get('content-range') ?? '')?.[1];
  const rows = values.map((value) => ({ key: keyOf(table, value), value }));
  renderRows(table, rows);
  const shown = `${values.length} ${values.length === 1 ? 'record' : 'records'}`;
  ui.resultInfo.textContent =
    total !== undefined && Number(total) > values.length
      ? `${shown} of ${total}${limits(query) ? '' : `: the first ${QUERY_ROWS}; add sort() or limit() to see others`}`
      : shown;
}

function keyOf(table: TableInfo, value: unknown): unknown {
  return isObject(value) && Object.hasOwn(value, table.primaryKey) ? value[table.primaryKey] : null;
}

/** Shows records as a table: the table's attributes first, then those the records add. */
function renderRows(table: TableInfo, rows: readonly Row[]): void {
  const objects = rows.every((row) => isObject(row.value));
  const columns: string[] = [];
  if (objects) {
    const present = new Set<string>();
    for (const row of rows) for (const name of Object.keys(row.value as object)) present.add(name);
    for (const attribute of table.attributes)
      if (present.delete(attribute.name)) columns.push(attribute.name);
    columns.push(...present);
  }
  const head = node('thead');
  const headRow = node('tr');
  for (const name of objects ? columns : ['value']) {
    const cell = node('th', name);
    cell.setAttribute('scope', 'col');
    headRow.append(cell);
  }
  head.append(headRow);
  const body = node('tbody');
  for (const row of rows) {
    const line = node('tr');
    const cells = objects
      ? columns.map((name) => (row.value as Record<string, unknown>)[name])
      : [row.value];
    cells.forEach((value, index) => {
      const cell = node('td');
      const text = cellText(value);
      if (
        row.key !== null &&
        row.key !== undefined &&
        (objects ? columns[index] === table.primaryKey : index === 0)
      ) {
        const open = node('button', text);
        open.setAttribute('type', 'button');
        open.setAttribute('aria-label', `Edit ${table.name} ${text}`);
        cell.append(open);
      } else {
        cell.textContent = text;
        if (value === null || value === undefined) cell.className = 'null';
      }
      cell.title = text;
      line.append(cell);
    });
    if (row.key !== null && row.key !== undefined) {
      const key = row.key;
      line.setAttribute('data-key', JSON.stringify(key));
      line.addEventListener(
        'click',
        later(() => openRecord(table, key)),
      );
    }
    body.append(line);
  }
  if (rows.length === 0) {
    const line = node('tr');
    const cell = node('td', 'No records match.');
    cell.setAttribute('colspan', String(Math.max(1, columns.length)));
    cell.className = 'null';
    line.append(cell);
    body.append(line);
  }
  ui.results.replaceChildren(head, body);
}

function cellText(value: unknown): string {
  if (value === undefined || value === null) return value === null ? 'null' : '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value);
}

// --- live ---------------------------------------------------------------------------------

class LiveView {
  private readonly source: StudioEventSource;
  private readonly rows = new Map<string, Row>();
  /** Keys sent since the stream (re)opened: after a `ready` that did not resume, the others are gone. */
  private seen = new Set<string>();
  private ready = false;
  private renderPending = false;
  private closed = false;

  constructor(
    private readonly table: TableInfo,
    private readonly query: string,
  ) {
    const parts = query === '' ? [] : [query];
    // `resume=` (with no version: "I hold nothing") makes the server end the initial state with a
    // `ready` event; a table with an attribute named `resume` would read it as a condition.
    if (!table.attributes.some((attribute) => attribute.name === 'resume')) parts.push('resume=');
    const token = accessToken();
    if (token !== null) parts.push(`access_token=${encodeURIComponent(token)}`);
    this.source = new EventSource(`/${table.name}/?${parts.join('&')}`);
    this.source.addEventListener('open', () => {
      this.seen = new Set();
    });
    this.source.addEventListener('message', (event) => this.onEvent(event.data));
    this.source.addEventListener('ready', (event) => this.onReady(event.data));
    this.source.addEventListener(
      'error',
      later(() => this.onError()),
    );
    this.info('Live: receiving the current matches…');
    ui.results.replaceChildren();
  }

  close(): void {
    this.closed = true;
    this.source.close();
  }

  private onEvent(data: unknown): void {
    const event = parseJson(data);
    if (!isObject(event) || !Object.hasOwn(event, 'id')) return;
    const id = JSON.stringify(event.id);
    if (event.type === 'put') {
      this.rows.set(id, { key: event.id, value: event.value });
      this.seen.add(id);
    } else if (event.type === 'delete') {
      this.rows.delete(id);
    } else {
      return;
    }
    this.scheduleRender();
  }

  private onReady(data: unknown): void {
    const ready = parseJson(data);
    if (isObject(ready) && ready.resumed !== true) {
      for (const id of [...this.rows.keys()]) if (!this.seen.has(id)) this.rows.delete(id);
    }
    this.ready = true;
    this.scheduleRender();
  }

  private scheduleRender(): void {
    if (this.renderPending) return;
    this.renderPending = true;
    setTimeout(() => {
      this.renderPending = false;
      if (!this.closed) this.render();
    }, 30);
  }

  private render(): void {
    const rows = [...this.rows.values()];
    renderRows(this.table, rows.slice(0, LIVE_ROWS));
    const count = `${rows.length} ${rows.length === 1 ? 'record' : 'records'}${rows.length > LIVE_ROWS ? `, the first ${LIVE_ROWS} shown` : ''}`;
    this.info(
      this.ready
        ? `Live: ${count}; changes appear as they are committed`
        : `Live: receiving the current matches… ${count}`,
    );
  }

  private info(text: string): void {
    ui.resultInfo.textContent = text;
    ui.resultInfo.classList.toggle('live', true);
  }

  /**
   * The stream failed. While the browser reconnects by itself (the server restarted) the view says
   * so; once it gave up (the server refused the subscription) the refusal is asked for with
   * `fetch`, which can read its answer, and shown.
   */
  private async onError(): Promise<void> {
    if (this.closed) return;
    if (this.source.readyState !== EventSource.CLOSED) {
      this.info('Live: the connection was lost; reconnecting…');
      return;
    }
    this.close();
    const signedIn = accessToken() !== null;
    const answer = await eventStreamRefusal(this.table, this.query);
    if (state.live !== this) return;
    // An access token that expired is renewed, and the stream opened again.
    if (answer.status === 401 && signedIn && (await refreshTokens())) {
      startLive(this.table, this.query);
      return;
    }
    state.live = null;
    ui.live.checked = false;
    ui.resultInfo.textContent = '';
    ui.resultInfo.classList.toggle('live', false);
    failed(answer, ui.queryError, () => {
      ui.live.checked = true;
      return runQuery();
    });
  }
}

/** Why the server refused an event stream: the same request with `fetch`, whose answer can be read. */
async function eventStreamRefusal(table: TableInfo, query: string): Promise<Answer> {
  const abort = new AbortController();
  const headers: Record<string, string> = { Accept: 'text/event-stream' };
  const token = accessToken();
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  try {
    const response = await fetch(`/${table.name}/?${query}`, {
      headers,
      credentials: 'omit',
      signal: abort.signal,
    });
    if (response.status === 200) {
      abort.abort();
      return {
        status: 0,
        headers: response.headers,
        body: 'The live connection failed; try again',
      };
    }
    return { status: response.status, headers: response.headers, body: await bodyOf(response) };
  } catch (error) {
    return {
      status: 0,
      headers: new Headers(),
      body: `The live connection failed: ${String(error)}`,
    };
  }
}

function startLive(table: TableInfo, query: string): void {
  stopLive();
  state.queryRun++;
  state.live = new LiveView(table, query);
}

function stopLive(): void {
  state.live?.close();
  state.live = null;
}

// --- the record editor --------------------------------------------------------------------

/** The URL of a record: its key percent-encoded, dots too (`/T/a.b` would name an attribute). */
function recordPath(table: TableInfo, key: unknown): string {
  return `/${table.name}/${encodeURIComponent(String(key)).replaceAll('.', '%2E')}`;
}

async function openRecord(table: TableInfo, key: unknown): Promise<void> {
  hide(ui.editorError);
  ui.editorStatus.textContent = '';
  ui.editorHeading.textContent = `${table.name} ${cellText(key)}`;
  ui.editor.hidden = false;
  const answer = await request('GET', recordPath(table, key));
  if (answer.status !== 200 || !isObject(answer.body)) {
    state.editing = null;
    ui.record.value = '';
    if (answer.status === 404) show(ui.editorError, 'This record does not exist (any more).');
    else failed(answer, ui.editorError, () => openRecord(table, key));
    return;
  }
  state.editing = { table, key, original: answer.body, etag: answer.headers.get('etag') };
  ui.record.value = JSON.stringify(answer.body, null, 2);
  ui.record.focus();
}

async function saveRecord(): Promise<void> {
  const editing = state.editing;
  if (editing === null) return;
  hide(ui.editorError);
  ui.editorStatus.textContent = '';
  let edited: unknown;
  try {
    edited = JSON.parse(ui.record.value) as unknown;
  } catch (error) {
    show(
      ui.editorError,
      `This is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
    return;
  }
  if (!isObject(edited)) {
    show(ui.editorError, 'A record is a JSON object: { "attribute": value, … }');
    return;
  }
  // What changed, attribute by attribute; an attribute taken out is stored as null.
  const patch: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(edited)) {
    if (JSON.stringify(value) !== JSON.stringify(editing.original[name])) patch[name] = value;
  }
  for (const name of Object.keys(editing.original))
    if (!Object.hasOwn(edited, name)) patch[name] = null;
  if (Object.keys(patch).length === 0) {
    ui.editorStatus.textContent = 'Nothing changed.';
    return;
  }
  ui.save.disabled = true;
  let answer: Answer;
  try {
    answer = await request(
      'PATCH',
      recordPath(editing.table, editing.key),
      patch,
      editing.etag === null ? {} : { 'If-Match': editing.etag },
    );
  } finally {
    ui.save.disabled = false;
  }
  if (answer.status !== 204 && answer.status !== 200) {
    failed(answer, ui.editorError, saveRecord);
    // Someone else saved it since it was opened.
    if (answer.status === 412) ui.editorError.append(' Reload to see the record as it is now.');
    return;
  }
  await openRecord(editing.table, editing.key);
  ui.editorStatus.textContent = `Saved: ${Object.keys(patch).join(', ')}.`;
  if (state.live === null) await runQuery();
}

function closeEditor(): void {
  state.editing = null;
  ui.editor.hidden = true;
}

// --- helpers ------------------------------------------------------------------------------

function node(tagName: string, text?: string): StudioElement {
  const created = document.createElement(tagName);
  if (text !== undefined) created.textContent = text;
  return created;
}

function show(where: StudioElement, text: string): void {
  where.textContent = text;
  where.hidden = false;
}

function hide(where: StudioElement): void {
  where.textContent = '';
  where.hidden = true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(data: unknown): unknown {
  if (typeof data !== 'string') return undefined;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}

/** A listener that runs `work`, showing what failed (a network error) instead of losing it. */
function later(work: () => Promise<void>): () => void {
  return () => {
    work().catch((error: unknown) => show(ui.pageError, `Something failed: ${String(error)}`));
  };
}

/** A form's submit listener: the page answers it itself (the policy allows no form to be sent). */
function submitted(work: () => Promise<void>): (event: StudioEvent) => void {
  const run = later(work);
  return (event) => {
    event.preventDefault();
    run();
  };
}

// --- start --------------------------------------------------------------------------------

ui.queryForm.addEventListener('submit', submitted(runQuery));
ui.live.addEventListener('change', later(runQuery));
ui.loginForm.addEventListener('submit', submitted(signIn));
ui.loginCancel.addEventListener('click', () => {
  ui.login.hidden = true;
  state.afterSignIn = null;
});
ui.signIn.addEventListener('click', () => askSignIn('', runQueryIfShown));
ui.signOut.addEventListener('click', later(signOut));
ui.editorForm.addEventListener('submit', submitted(saveRecord));
ui.reload.addEventListener(
  'click',
  later(async () => {
    if (state.editing !== null) await openRecord(state.editing.table, state.editing.key);
  }),
);
ui.close.addEventListener('click', closeEditor);

ui.loading.hidden = true;
ui.choose.hidden = false;
Promise.all([loadTables(), showWho()]).catch((error: unknown) =>
  show(ui.pageError, `The studio cannot start: ${String(error)}`),
);
