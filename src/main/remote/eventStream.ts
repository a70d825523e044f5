// Reading tandem-server's event stream (server-sent events): each `data:` message is one JSON
// `{ event, payload }`; a comment line (`: connected`) says the stream is open.
import type http from 'node:http';

export interface StreamReader {
  message(event: unknown, payload: unknown): void;
  comment?(text: string): void;
  /** A message that is not the JSON it should be. */
  malformed?(): void;
}

export function readEventStream(res: http.IncomingMessage, reader: StreamReader): void {
  res.setEncoding('utf8');
  let buffer = '';
  res.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (message.startsWith(':')) {
        reader.comment?.(message.slice(1).trim());
        continue;
      }
      if (!message.startsWith('data: ')) continue;
      let parsed: { event?: unknown; payload?: unknown };
      try {
        parsed = JSON.parse(message.slice(6)) as typeof parsed;
      } catch {
        reader.malformed?.();
        continue;
      }
      reader.message(parsed.event, parsed.payload);
    }
  });
}
