import { mapRasaParse, mapRasaReplies, RasaResponseError } from './rasa-response.mapper';

describe('mapRasaParse', () => {
  it('should read the intent and its confidence', () => {
    expect(mapRasaParse({ text: 'hello', intent: { name: 'greet', confidence: 0.95 }, intent_ranking: [], entities: [] })).toEqual({
      intent: 'greet',
      confidence: 0.95,
    });
  });

  it('should treat a missing or nameless intent as nothing understood', () => {
    expect(mapRasaParse({ text: '', intent: null })).toEqual({ intent: undefined, confidence: 0 });
    expect(mapRasaParse({ text: '', intent: { name: null, confidence: 0 } })).toEqual({ intent: undefined, confidence: 0 });
  });

  it('should refuse a confidence outside 0..1 or a non-object', () => {
    expect(() => mapRasaParse({ intent: { name: 'greet', confidence: 1.2 } })).toThrow(
      '/model/parse: intent.confidence must be a number in 0..1 (got 1.2)',
    );
    expect(() => mapRasaParse({ intent: { name: 'greet' } })).toThrow(RasaResponseError);
    expect(() => mapRasaParse([])).toThrow('/model/parse: expected a JSON object');
  });
});

describe('mapRasaReplies', () => {
  it('should map text replies in order', () => {
    expect(
      mapRasaReplies([
        { recipient_id: 'c1', text: 'Hi!' },
        { recipient_id: 'c1', text: 'How can I help?' },
      ]),
    ).toEqual({
      answer: [
        { kind: 'text', text: 'Hi!' },
        { kind: 'text', text: 'How can I help?' },
      ],
      handoverRequested: false,
      ignored: [],
    });
  });

  it('should map up to three buttons to a button template, payloads as postbacks and urls as links', () => {
    const { answer } = mapRasaReplies([
      {
        text: 'Pick one',
        buttons: [
          { title: 'Track order', payload: '/order_status' },
          { title: 'Our shop', url: 'https://shop.example' },
        ],
      },
    ]);
    expect(answer).toEqual([
      {
        kind: 'buttons',
        text: 'Pick one',
        buttons: [
          { type: 'postback', title: 'Track order', payload: '/order_status' },
          { type: 'url', title: 'Our shop', url: 'https://shop.example' },
        ],
      },
    ]);
  });

  it('should map more than three buttons to quick replies', () => {
    const buttons = ['a', 'b', 'c', 'd'].map((x) => ({ title: x.toUpperCase(), payload: `/${x}` }));
    const { answer } = mapRasaReplies([{ text: 'Choose', buttons }]);
    expect(answer).toEqual([
      { kind: 'text', text: 'Choose', quickReplies: buttons.map((b) => ({ type: 'text', title: b.title, payload: b.payload })) },
    ]);
  });

  it('should map an image to a media message', () => {
    expect(mapRasaReplies([{ image: 'https://cdn.example/cat.png' }]).answer).toEqual([
      { kind: 'media', mediaType: 'image', url: 'https://cdn.example/cat.png' },
    ]);
  });

  it('should turn a custom hand-over payload into a hand-over request, keeping the text that came with it', () => {
    const mapped = mapRasaReplies([{ text: 'Let me get a colleague.' }, { custom: { handover: true } }]);
    expect(mapped).toEqual({ answer: [{ kind: 'text', text: 'Let me get a colleague.' }], handoverRequested: true, ignored: [] });
  });

  it('should ignore, and report, custom payloads it does not know', () => {
    const mapped = mapRasaReplies([{ custom: { datepicker: true } }]);
    expect(mapped.answer).toEqual([]);
    expect(mapped.handoverRequested).toBe(false);
    expect(mapped.ignored).toEqual(['/webhooks/rest/webhook[0].custom {"datepicker":true}']);
  });

  it('should map an empty answer to no messages', () => {
    expect(mapRasaReplies([])).toEqual({ answer: [], handoverRequested: false, ignored: [] });
  });

  it('should refuse what Messenger would refuse, naming the item', () => {
    expect(() =>
      mapRasaReplies([{ text: 'ok' }, { text: 'Pick', buttons: [{ title: 'A title much longer than twenty characters', payload: '/x' }] }]),
    ).toThrow(/^\/webhooks\/rest\/webhook\[1\]: [\s\S]*buttons\[0\]\.title: 42 characters, limit 20/);
    expect(() => mapRasaReplies([{ image: 'not a url' }])).toThrow(/\/webhooks\/rest\/webhook\[0\]: /);
  });

  it('should refuse a malformed answer', () => {
    expect(() => mapRasaReplies({ text: 'hi' })).toThrow('expected a JSON array');
    expect(() => mapRasaReplies([{ text: 42 }])).toThrow('/webhooks/rest/webhook[0].text: must be a string');
    expect(() => mapRasaReplies([{ buttons: [{ title: 'A', payload: '/a' }] }])).toThrow('buttons need a text');
    expect(() => mapRasaReplies([{ text: 'x', buttons: [{ title: 'A' }] }])).toThrow('needs a payload or a url');
  });
});
