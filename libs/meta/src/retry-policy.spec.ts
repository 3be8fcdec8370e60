import { GraphApiError } from './graph-api.error';
import { classifyGraphError, retryDelay } from './retry-policy';

const err = (code?: number, subcode?: number, httpStatus = 400) => new GraphApiError('x', { code, subcode, httpStatus });

describe('classifyGraphError', () => {
  it.each([
    [1200, undefined],
    [1, undefined],
    [1, 99],
    [2, undefined],
    [4, undefined],
    [17, undefined],
    [32, undefined],
    [613, undefined],
    [613, 2534040],
    [341, undefined],
    [2018321, undefined],
  ])('should retry code %s/%s', (code, subcode) => {
    expect(classifyGraphError(err(code, subcode))).toBe('transient');
  });

  it.each([
    [613, 2018338],
    [4, 2018354],
    [9, 2018352],
    [613, 1893016],
    [10, 2018278],
    [10, 2534022],
    [10, 2018065],
    [10, 2018108],
    [10, 1893063],
    [10, undefined],
    [551, undefined],
    [551, 1545041],
    [200, 1545041],
    [100, 2018001],
    [100, 2018014],
    [100, undefined],
    [100, 33],
    [200, 2018028],
    [368, undefined],
    [2018300, undefined],
    [100, 2534037],
    [2018218, undefined],
    [2018247, undefined],
  ])('should not retry code %s/%s', (code, subcode) => {
    expect(classifyGraphError(err(code, subcode))).toBe('permanent');
  });

  it.each([458, 459, 460, 463, 464, 467, undefined])('should flag token errors 190/%s', (subcode) => {
    expect(classifyGraphError(err(190, subcode))).toBe('token');
  });

  it('should retry network errors and bare 5xx/429, not bare 4xx', () => {
    expect(classifyGraphError(new GraphApiError('timeout', { network: true }))).toBe('transient');
    expect(classifyGraphError(err(undefined, undefined, 503))).toBe('transient');
    expect(classifyGraphError(err(undefined, undefined, 429))).toBe('transient');
    expect(classifyGraphError(err(undefined, undefined, 404))).toBe('permanent');
  });
});

describe('retryDelay', () => {
  it('should grow exponentially with jitter between half and the full ceiling, capped', () => {
    const opts = { baseMs: 100, capMs: 1000, maxAttempts: 10 };
    expect(retryDelay(1, opts, () => 0)).toBe(50);
    expect(retryDelay(1, opts, () => 1)).toBe(100);
    expect(retryDelay(3, opts, () => 1)).toBe(400);
    expect(retryDelay(8, opts, () => 1)).toBe(1000);
    expect(retryDelay(8, opts, () => 0)).toBe(500);
  });

  it('should stop after the last attempt', () => {
    expect(retryDelay(10, { baseMs: 100, capMs: 1000, maxAttempts: 10 })).toBeUndefined();
  });
});
