/**
 * An incremental Server-Sent Events parser (the WHATWG `text/event-stream` format). The console
 * reads job events with `fetch` + a stream reader instead of `EventSource`, because
 * `EventSource` cannot send the `Authorization` header every /v1 route needs.
 */

/** One dispatched event. `event` defaults to 'message'. */
export interface SseMessage {
  event: string;
  data: string;
  id: string | null;
}

/**
 * Feed it decoded text in chunks of any size; it returns the events completed by each chunk.
 * Lines end in LF, CRLF or CR; `:` lines are comments (keep-alives); `data` lines are joined
 * with LF; a blank line dispatches; an event with no data is dropped (as browsers do).
 * @example
 *   const p = new SseParser();
 *   p.push('event: progress\ndata: {"percent":3}\n'); // []
 *   p.push('\n');                                     // [{event: 'progress', data: '{"percent":3}', id: null}]
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private lastId: string | null = null;
  /** A chunk ended in CR: an LF starting the next chunk belongs to that line ending. */
  private skipLf = false;

  push(chunk: string): SseMessage[] {
    let text = chunk;
    if (this.skipLf && text.startsWith('\n')) text = text.slice(1);
    this.skipLf = false;
    this.buffer += text;
    const out: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      this.line(this.buffer.slice(start, i), out);
      if (c === '\r') {
        if (i + 1 === this.buffer.length) this.skipLf = true;
        else if (this.buffer[i + 1] === '\n') i++;
      }
      start = i + 1;
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.data.length > 0) out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.lastId });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\u0000')) this.lastId = value;
    // 'retry' and unknown fields are ignored: the console reconnects on its own schedule.
  }
}
