// The sendq API as the dashboard calls it: a POST of a JSON body to a request's path, the token
// as "Authorization: Bearer", the documented envelope back. Every failure becomes an ApiError
// whose message is meant for the operator.

const BASE = '/api/v1.1/admin/senders/queue/';

/** The request paths the page uses: the documented ones and sendq's extensions. */
export const PATHS = Object.freeze({
  stats: BASE + 'stats/',
  hold: BASE + 'hold/',
  release: BASE + 'release/',
  purge: BASE + 'purge/',
  rules: BASE + 'rules/',
  addRule: BASE + 'rules/add/',
  liftRule: BASE + 'rules/lift/',
  age: BASE + 'age/',
});

const TIMEOUT_MS = 10000;

/**
 * A failed request. `kind` tells the page what to do next:
 * 'auth' (bad token or a token not allowed for the sender: stop until the operator fixes it),
 * 'sender' (no such sender: stop), 'unavailable' (this server does not have the request),
 * 'network' (no answer: keep trying), 'request' (refused for another reason), 'server' (it failed).
 */
export class ApiError extends Error {
  constructor(kind, message, status = 0, code = -1) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
    this.status = status;
    this.code = code;
  }
}

export class Client {
  /** @param {string} token the API token; @param {number} sender the sender id */
  constructor(token, sender) {
    this.token = token;
    this.sender = sender;
  }

  /**
   * Sends one request and returns its envelope (error 0), or throws an ApiError.
   * @param {string} path one of PATHS
   * @param {object} params parameters besides id; empty strings, 0, null and undefined are left out
   */
  async call(path, params = {}) {
    const body = {id: this.sender};
    for (const [key, value] of Object.entries(params)) {
      if (value !== '' && value !== 0 && value !== null && value !== undefined) {
        body[key] = value;
      }
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    let response;
    let text;
    try {
      response = await fetch(path, {
        method: 'POST',
        headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + this.token},
        body: JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
        signal: abort.signal,
      });
      text = await response.text();
    } catch (e) {
      throw abort.signal.aborted
        ? new ApiError('network', `The sendq server did not answer within ${TIMEOUT_MS / 1000} s.`)
        : new ApiError('network', `Cannot reach the sendq server at ${location.host}: is it running?`);
    } finally {
      clearTimeout(timer);
    }
    let envelope;
    try {
      envelope = JSON.parse(text);
    } catch (e) {
      envelope = null;
    }
    if (!envelope || typeof envelope.error !== 'number') {
      throw new ApiError('server', `Unexpected answer from the server (HTTP ${response.status}).`, response.status);
    }
    if (envelope.error !== 0) {
      throw this.failure(path, response.status, envelope);
    }
    return envelope;
  }

  /**
   * Sends an extension request that a server may not have: its envelope, or null when the
   * server does not answer that path (any other failure is thrown, as by call).
   */
  async callIfAvailable(path, params = {}) {
    try {
      return await this.call(path, params);
    } catch (e) {
      if (e.kind === 'unavailable') {
        return null;
      }
      throw e;
    }
  }

  /** The stats rows of a selection, grouped: 'total', 'account', 'account_campaign' or 'isp'. */
  async stats(selection, group) {
    return (await this.call(PATHS.stats, {...selection, group})).data;
  }

  failure(path, status, envelope) {
    const code = envelope.error;
    const text = String(envelope.error_text || '');
    if (status === 404 && code === 1) {
      return new ApiError('unavailable', `This server does not answer ${path}.`, status, code);
    }
    switch (code) {
      case 2:
        return new ApiError('auth', 'Invalid token: the server does not accept it. Check the token and press Watch.',
          status, code);
      case 3:
        return new ApiError('auth', `The server asks for a parameter: ${text}.`, status, code);
      case 5:
        return new ApiError('sender', `Sender ${this.sender} not found on this server.`, status, code);
      case 6:
        return new ApiError('auth', `This token may not act on sender ${this.sender}.`, status, code);
      case 9:
        return new ApiError('server', `The server failed to answer (error 9, HTTP ${status}). It will be asked again.`,
          status, code);
      default:
        return new ApiError('request', `The server refused the request: ${text} (error ${code}).`, status, code);
    }
  }
}
