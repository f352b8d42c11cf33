/**
 * The part of the browser's API that the studio's script (`client.ts`) uses, declared here rather
 * than with `/// <reference lib="dom" />`: a `lib` reference holds for the whole program it is in,
 * so the server's own code (and, in codegen's repository, its tests) would be type-checked against
 * the DOM too, whose `fetch` types replace Node's (a `Buffer` body stops type-checking) and whose
 * globals (`document`, `name`, `close`) a server must never use. `client.ts` takes these from
 * `globalThis` with this type; codegen's tests compile it against TypeScript's DOM library alone,
 * and check that the DOM's globals are assignable to `BrowserGlobals`, so nothing declared here
 * differs from what a browser has. `fetch`, `Headers`, `AbortController`, `URLSearchParams`,
 * `setTimeout` and `console` are common to Node and browsers, and used as they are.
 */

/** Any node (`Node`): what `append` takes besides text. */
export interface StudioNode {
  readonly nodeType: number;
}

/** An event handed to a listener. */
export interface StudioEvent {
  preventDefault(): void;
}

export interface StudioElement extends StudioNode {
  textContent: string | null;
  hidden: boolean;
  className: string;
  title: string;
  readonly classList: { toggle(token: string, force?: boolean): boolean };
  append(...nodes: (StudioNode | string)[]): void;
  replaceChildren(...nodes: (StudioNode | string)[]): void;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  addEventListener(type: string, listener: (event: StudioEvent) => void): void;
  focus(): void;
}

/** An `<input>`, `<textarea>` or `<button>`. */
export interface StudioControl extends StudioElement {
  value: string;
  disabled: boolean;
}

/** An `<input type="checkbox">`. */
export interface StudioCheckbox extends StudioControl {
  checked: boolean;
}

export interface StudioDocument {
  getElementById(id: string): StudioElement | null;
  createElement(tagName: string): StudioElement;
}

/** `sessionStorage`. */
export interface StudioStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** An event of an `EventSource` that carries data (`message`, and named events such as `ready`). */
export interface StudioMessageEvent {
  readonly data: unknown;
}

export interface StudioEventSource {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: StudioMessageEvent) => void): void;
  close(): void;
}

export interface StudioEventSourceConstructor {
  new (url: string): StudioEventSource;
  readonly CLOSED: number;
}

/** The browser's globals the studio's script uses. */
export interface BrowserGlobals {
  readonly document: StudioDocument;
  readonly sessionStorage: StudioStorage;
  readonly EventSource: StudioEventSourceConstructor;
}
