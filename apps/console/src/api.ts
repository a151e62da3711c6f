/** The ledger's HTTP API as the console calls it: same origin, the key typed in as a Bearer token. */

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** A refused call, with a sentence a person can act on. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: readonly FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  /** A streamed answer (the journal export) as a file. */
  download(path: string): Promise<Blob>;
}

/** What each refusal means for the person at the console. */
function sentenceFor(status: number, serverMessage: string): string {
  if (status === 401) return `This API key is not valid (401). Check it and sign in again.`;
  if (status === 403) return `Your key's role may not do this (403): ${serverMessage}.`;
  if (status === 404) return `Not found (404): ${serverMessage}.`;
  if (status === 503)
    return `The ledger is busy or its read side is behind (503): ${serverMessage}. Try again.`;
  return `${serverMessage} (${status}).`;
}

async function refusal(response: Response): Promise<ApiError> {
  let message = response.statusText || 'request failed';
  let fields: FieldProblem[] = [];
  try {
    const body = (await response.json()) as { message?: unknown; fields?: unknown };
    if (typeof body.message === 'string') message = body.message;
    else if (Array.isArray(body.message)) message = body.message.join('; ');
    if (Array.isArray(body.fields)) fields = body.fields as FieldProblem[];
  } catch {
    // Not JSON (a proxy's page): the status text is all there is.
  }
  return new ApiError(response.status, sentenceFor(response.status, message), fields);
}

export function apiFor(key: string): Api {
  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'The ledger cannot be reached. Check that it is running, then try again.');
    }
    if (!response.ok) throw await refusal(response);
    return response;
  };
  return {
    get: async <T>(path: string) => (await (await call('GET', path)).json()) as T,
    post: async <T>(path: string, body?: unknown) => (await (await call('POST', path, body)).json()) as T,
    put: async <T>(path: string, body: unknown) => (await (await call('PUT', path, body)).json()) as T,
    download: async (path: string) => (await call('GET', path)).blob(),
  };
}

/** A path segment the server will route as one id, whatever it contains. */
export function segment(id: string): string {
  return encodeURIComponent(id);
}

export function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(name, value);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** A fresh idempotency key. crypto.getRandomValues works on plain http too (randomUUID needs https). */
export function newId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
