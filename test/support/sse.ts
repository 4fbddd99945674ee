/** A Server-Sent Events client for tests: reads a stream over real HTTP and parses its events. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export interface SseClient {
  events: SseEvent[];
  /** Comments received (e.g. heartbeats). */
  comments: string[];
  /** Resolves when `predicate` holds for the events so far (checked after each event). */
  until(predicate: (events: SseEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ended the response. */
  ended: Promise<void>;
  /** The last `id:` received, as EventSource keeps it. */
  lastEventId(): string | undefined;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let lastId: string | undefined;
  const waiters = new Set<() => void>();
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body.getReader();
  let closed = false;
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: string | undefined;
          let event = 'message';
          const data: string[] = [];
          let isEvent = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) {
              data.push(line.slice(6));
              isEvent = true;
            }
          }
          if (id !== undefined) lastId = id;
          if (isEvent) events.push({ id, event, data: data.join('\n') });
        }
        for (const w of waiters) w();
      }
    } catch {
      // aborted
    } finally {
      closed = true;
      for (const w of waiters) w();
    }
  })();
  return {
    events,
    comments,
    ended,
    lastEventId: () => lastId,
    until(predicate, timeoutMs = 15_000) {
      if (predicate(events)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms; ${events.length} events received`));
        }, timeoutMs);
        function check() {
          if (predicate(events)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          } else if (closed) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`the stream ended after ${events.length} events`));
          }
        }
        waiters.add(check);
      });
    },
    close() {
      abort.abort();
    },
  };
}
