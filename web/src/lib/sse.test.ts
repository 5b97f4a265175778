import { describe, expect, it } from 'vitest';
import { SseParser } from './sse.ts';

// What GET /v1/jobs/{id}/events sends (packages/api/src/routes/jobs.ts, README-curl.md).
const stream =
  'event: progress\ndata: {"status":"running","progress":{"percent":3.1}}\nid: 2\n\n' +
  ': keep-alive\n\n' +
  'event: done\ndata: {"status":"succeeded","result":{"version":1}}\nid: 36\n\n';

describe('SseParser', () => {
  it('parses the job event stream, skipping keep-alive comments', () => {
    const events = new SseParser().push(stream);
    expect(events.map((e) => [e.event, JSON.parse(e.data).status, e.id])).toEqual([
      ['progress', 'running', '2'],
      ['done', 'succeeded', '36'],
    ]);
  });
  it('gives the same events whatever the chunking, down to one character at a time, with LF, CRLF or CR', () => {
    const whole = new SseParser().push(stream);
    for (const text of [stream, stream.replaceAll('\n', '\r\n'), stream.replaceAll('\n', '\r')]) {
      for (const size of [1, 2, 3, 7, 64]) {
        const p = new SseParser();
        const got = [];
        for (let i = 0; i < text.length; i += size) got.push(...p.push(text.slice(i, i + size)));
        expect(got).toEqual(whole);
      }
    }
  });
  it('joins multi-line data, defaults the event name, drops events without data, and keeps a partial event for later', () => {
    const p = new SseParser();
    expect(p.push('data: a\ndata:b\n\nevent: x\n\nevent: progress\ndata: {"per')).toEqual([{ event: 'message', data: 'a\nb', id: null }]);
    expect(p.push('cent":5}\n\n')).toEqual([{ event: 'progress', data: '{"percent":5}', id: null }]);
  });
});
