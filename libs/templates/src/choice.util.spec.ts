import { decodeChoicePayload, encodeChoicePayload, encodeChoices, listChoiceOptions, matchTypedChoice, parseChoice } from './choice.util';
import { RichMessage } from './rich-message.builder';

const offer = RichMessage.buttons('What next?')
  .postback('Track order', 'TRACK')
  .url('Site', 'https://x.example')
  .postback('Talk to a human', 'AGENT')
  .quickReply('Cancel', 'CANCEL')
  .quickReplyUserEmail()
  .build();

describe(encodeChoicePayload.name, () => {
  it('should round-trip payloads containing separators and a reference with special characters', () => {
    const raw = encodeChoicePayload('A|B:C~', { messageRef: 'msg|1/é', index: 12 });
    expect(decodeChoicePayload(raw)).toEqual({ payload: 'A|B:C~', messageRef: 'msg|1/é', index: 12 });
  });

  it('should leave unstamped and malformed payloads as they are', () => {
    expect(decodeChoicePayload('GET_STARTED')).toEqual({ payload: 'GET_STARTED' });
    expect(decodeChoicePayload('~c1|ref-only')).toEqual({ payload: '~c1|ref-only' });
    expect(decodeChoicePayload('~c1|r|x|P')).toEqual({ payload: '~c1|r|x|P' });
  });
});

describe(encodeChoices.name, () => {
  it('should stamp postbacks and text quick replies with the reference and option index', () => {
    const stamped = encodeChoices(offer, 'm-1');

    expect(stamped.buttons.map((b) => (b.type === 'postback' ? b.payload : b.type))).toEqual(['~c1|m-1|0|TRACK', 'url', '~c1|m-1|1|AGENT']);
    expect(stamped.quickReplies?.[0]).toEqual({ type: 'text', title: 'Cancel', payload: '~c1|m-1|2|CANCEL' });
    expect(offer.buttons[0]).toEqual({ type: 'postback', title: 'Track order', payload: 'TRACK' });
  });

  it('should re-stamp rather than nest', () => {
    expect(listChoiceOptions(encodeChoices(encodeChoices(offer, 'old'), 'new'))[0]).toEqual({
      title: 'Track order',
      payload: 'TRACK',
      messageRef: 'new',
    });
  });
});

describe(listChoiceOptions.name, () => {
  it('should list choices in display order with decoded payloads', () => {
    expect(listChoiceOptions(offer)).toEqual([
      { title: 'Track order', payload: 'TRACK' },
      { title: 'Talk to a human', payload: 'AGENT' },
      { title: 'Cancel', payload: 'CANCEL' },
    ]);
  });
});

describe(parseChoice.name, () => {
  const stamped = encodeChoices(offer, 'm-1');

  it('should map a postback to its payload, reference and index', () => {
    expect(parseChoice({ payload: '~c1|m-1|1|AGENT', title: 'Talk to a human' })).toEqual({
      payload: 'AGENT',
      title: 'Talk to a human',
      source: 'postback',
      messageRef: 'm-1',
      index: 1,
    });
  });

  it('should map a quick reply (payload with text)', () => {
    expect(parseChoice({ payload: '~c1|m-1|2|CANCEL', text: 'Cancel' })).toEqual({
      payload: 'CANCEL',
      title: 'Cancel',
      source: 'quick_reply',
      messageRef: 'm-1',
      index: 2,
    });
  });

  it('should pass an unstamped payload through', () => {
    expect(parseChoice({ payload: 'GET_STARTED', title: 'Get Started' })).toEqual({
      payload: 'GET_STARTED',
      title: 'Get Started',
      source: 'postback',
    });
  });

  it('should match a typed answer against offered options', () => {
    expect(parseChoice({ text: '1' }, listChoiceOptions(stamped))).toEqual({
      payload: 'TRACK',
      title: 'Track order',
      source: 'typed',
      messageRef: 'm-1',
      index: 0,
    });
  });

  it('should return undefined for free text without offered options', () => {
    expect(parseChoice({ text: 'hello' })).toBeUndefined();
    expect(parseChoice({ payload: '' })).toBeUndefined();
  });
});

describe(matchTypedChoice.name, () => {
  const options = listChoiceOptions(offer);

  it.each([
    ['2', 'AGENT'],
    [' 3. ', 'CANCEL'],
    ['#1', 'TRACK'],
    ['1)', 'TRACK'],
    ['track order', 'TRACK'],
    ['  TRACK   ORDER ', 'TRACK'],
    ['TrackOrder', 'TRACK'],
    ['ｔｒａｃｋ order', 'TRACK'],
  ])('should recognise %j', (typed, payload) => {
    expect(matchTypedChoice(typed, options)).toMatchObject({ payload, source: 'typed' });
  });

  it.each(['0', '4', '22', 'track', 'yes', '', '   '])('should not match %j', (typed) => {
    expect(matchTypedChoice(typed, options)).toBeUndefined();
  });

  it('should prefer an exact title over an option number', () => {
    const quantities = [
      { title: '2', payload: 'QTY_2' },
      { title: '1', payload: 'QTY_1' },
    ];
    expect(matchTypedChoice('1', quantities)).toMatchObject({ payload: 'QTY_1', index: 1 });
  });
});
