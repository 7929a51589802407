// www/embed.d.ts — the types of www/embed.js: the OtpSim JS API, the
// <otp-sim> element and their payloads. Payload shapes are the REST API's
// (`otpsim api`, src/api); only what every answer has is spelt out here.

/** A JSON value as the API sends and receives it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** HTTP-style methods the router knows. */
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** An answer of the router: the same status and JSON body as `otpsim api`. */
export interface ApiResponse<B = Json> {
  status: number;
  body: B;
}

/** The body of an error answer (4xx/5xx). */
export interface ApiErrorBody {
  error: { code: string; message: string; line?: number; col?: number };
}

/** A built-in scenario's name (the playground's picker lists them). */
export type BuiltinScenario = 'demo' | 'cascade_failure' | 'pool_exhaustion' | 'pubsub' | 'restart_storm' | 'large';

/** A scenario file's contents (SCENARIOS.md documents the format). */
export interface ScenarioObject {
  name?: string;
  description?: string;
  tree: ScenarioNode;
  steps?: Json[];
  settle_ms?: number;
  seed?: number;
}

export interface ScenarioNode {
  id: string;
  type: 'supervisor' | 'worker';
  strategy?: 'one_for_one' | 'one_for_all' | 'rest_for_one' | 'simple_one_for_one';
  children?: ScenarioNode[];
  [key: string]: Json | ScenarioNode[] | undefined;
}

export interface CreateOptions {
  /** A built-in name, or a scenario object. Default `"demo"`. */
  scenario?: BuiltinScenario | (string & {}) | ScenarioObject;
  /** A whole number from 0 to 2^53. Default 42. */
  seed?: number;
}

/** One event as the `process:*` and `supervisor:*` topics deliver it. */
export interface EventPayload {
  seq: number;
  at_ms: number;
  type: string;
  [field: string]: Json;
}

/** One sample of `system:metrics`. */
export interface MetricsSample {
  at_ms: number;
  processes: number;
  [field: string]: Json;
}

/** What a subscriber receives: the payload `GET /api/v1/subscriptions/<id>` gives. */
export type TopicPayload =
  | { events: EventPayload[]; dropped: number }
  | { samples: MetricsSample[]; dropped: number };

/** Topics: `process:<pid>`, `process:*`, `supervisor:<id>`, `supervisor:*`, `system:metrics`. */
export type Topic = `process:${string}` | `supervisor:${string}` | 'system:metrics';

/** A recording: scenario, seed and every input, as `otpsim api --record` writes. */
export interface Recording {
  format: string;
  seed: number;
  scenario: ScenarioObject;
  inputs: { at_ns: number; input: Json }[];
}

export type ViewName = 'tree' | 'inspector' | 'dashboard' | 'flow';

export interface MountOptions {
  /** `"full"` (default) or space-separated view names, e.g. `"tree inspector"`. */
  view?: 'full' | (string & {});
  controls?: 'full' | 'minimal' | 'none';
  theme?: 'auto' | 'light' | 'dark';
  autoplay?: boolean;
  /** Virtual seconds per real second (0.01–100). */
  speed?: number;
  /** A CSS length, or a number of pixels. */
  height?: string | number;
}

/** The calls a build may leave out (the Cargo feature `browser-api`). */
export interface Features {
  /** `request` and `subscribe`: the REST router in the page. */
  request: boolean;
  /** `OtpSim.replay`. */
  replay: boolean;
}

/** An error of the API: bad arguments reject (or throw) with it, and change nothing. */
export class OtpSimError extends Error {
  readonly name: 'OtpSimError';
  /**
   * The API's error code: `bad_request`, `not_found`, `no_scenario`, `bad_scenario`, …, and
   * `unavailable` for a call this build leaves out (see `OtpSim.features`).
   */
  readonly code: string;
  constructor(code: string, message: string);
}

/** One live simulation. */
export class OtpSim {
  /** Loads the wasm (once per page) and starts a scenario. */
  static create(options?: CreateOptions): Promise<OtpSim>;
  /**
   * Which calls this build has (`request` covers `subscribe` too); `null` until the wasm has
   * loaded. The shipped playground build has neither: they do not fit its 400 KiB wasm budget
   * yet (the Cargo feature `browser-api` adds them; the native CLI has `otpsim api`/`replay`).
   */
  static readonly features: Features | null;
  /**
   * The bytes of the wasm's linear memory, shared by every instance on the page (it grows and
   * never shrinks); `null` until the wasm has loaded.
   */
  static readonly memoryBytes: number | null;
  /**
   * Starts the system of a recording and applies every input of it. Rejects with code
   * `unavailable` when `OtpSim.features.replay` is false.
   */
  static replay(recording: Recording): Promise<OtpSim>;

  /**
   * The REST API's router, answered in the page. Rejects with code `unavailable` when
   * `OtpSim.features.request` is false.
   */
  request<B = Json>(method: Method | (string & {}), path: string, body?: Json): Promise<ApiResponse<B>>;
  /**
   * Follows a topic; returns the function that stops it. Throws OtpSimError for an unknown
   * topic, and with code `unavailable` when `OtpSim.features.request` is false.
   */
  subscribe(topic: Topic | (string & {}), callback: (payload: TopicPayload) => void): () => void;
  /** Lets `ms` of virtual time pass (a logged input); resolves to the new virtual time. */
  run(ms: number): Promise<number>;
  /** One scheduler step (not part of the recording); resolves to the new virtual time. */
  step(): Promise<number>;
  /** Virtual time, ms. */
  now(): number;
  /** The event-stream hash: 16 hex digits, as `otpsim run SCENARIO --seed N --run-ms T --hash` prints. */
  eventHash(): string;
  recording(): Recording;
  readonly scenario: string;
  readonly seed: number;
  /** Whether a mounted view is running. */
  readonly playing: boolean;
  /** Shows this simulation in `element` (inside a shadow root of its own). */
  mount(element: Element, options?: MountOptions): this;
  /** Ends the simulation and removes its view. */
  destroy(): void;
}

/** `<otp-sim>`: attributes `scenario`, `src`, `seed`, `view`, `controls`, `theme`, `autoplay`, `speed`, `height`. */
export class OtpSimElement extends HTMLElement {
  /** The instance's API handle, once `otp-sim-ready` has fired. */
  readonly sim: OtpSim | null;
}

/** Whether the host page's theme is dark (data-theme, html.dark/.light, mdBook, else the OS). */
export function hostDark(): boolean;

declare global {
  interface HTMLElementTagNameMap {
    'otp-sim': OtpSimElement;
  }
  interface HTMLElementEventMap {
    'otp-sim-ready': CustomEvent<{ sim: OtpSim }>;
  }
}
