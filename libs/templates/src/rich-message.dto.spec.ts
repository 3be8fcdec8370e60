import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { IsDefined, validateSync } from 'class-validator';
import { RichMessageValidationError } from './rich-message-validation.error';
import { RichMessage } from './rich-message.builder';
import { ButtonsMessageDto, parseRichMessage, RichMessageDto, UrlButtonDto, ValidateNestedRichMessage } from './rich-message.dto';

class SendRequestDto {
  @IsDefined()
  @ValidateNestedRichMessage()
  message!: RichMessageDto;
}

function violationsOf(input: unknown): Array<{ path: string; rule: string; message: string }> {
  try {
    parseRichMessage(input);
    return [];
  } catch (error: unknown) {
    if (!(error instanceof RichMessageValidationError)) throw error;
    return error.violations.map(({ path, rule, message }) => ({ path, rule, message }));
  }
}

describe(parseRichMessage.name, () => {
  it('should return a copy of a valid JSON message', () => {
    const json = JSON.parse(
      JSON.stringify(
        RichMessage.buttons('Pick').postback('A', 'A').url('Site', 'https://x.io').quickReplyUserEmail().metadata('m').build(),
      ),
    );

    const parsed = parseRichMessage(json);

    expect(parsed).toEqual(json);
    expect(parsed).not.toBe(json);
  });

  it('should reject an unknown kind', () => {
    expect(violationsOf({ kind: 'list', text: 'x' })).toEqual([
      { path: 'kind', rule: 'enum', message: 'kind: must be one of text, buttons, carousel, media' },
    ]);
    expect(violationsOf('text')).toMatchObject([{ path: 'kind' }]);
  });

  it('should reject unknown properties, such as snake_case fields', () => {
    expect(violationsOf({ kind: 'text', text: 'Hi', quick_replies: [] })).toEqual([
      { path: 'quick_replies', rule: 'shape', message: 'text.quick_replies: property quick_replies should not exist' },
    ]);
  });

  it('should check nested buttons by their type discriminator', () => {
    const violations = violationsOf({
      kind: 'buttons',
      text: 'Pick',
      buttons: [{ type: 'url', title: 'Site', url: 'https://x.io', messengerExtensions: 'yes' }, { type: 'share' }, 'oops'],
    });

    expect(violations.map((v) => v.path)).toEqual(['buttons[0].messengerExtensions', 'buttons[1].type', 'buttons[2]']);
  });

  it('should check quick replies and cards', () => {
    const violations = violationsOf({ kind: 'carousel', cards: [{ subtitle: 5 }], quickReplies: [{ type: 'text', title: 'A' }] });

    expect(violations.map((v) => v.path)).toEqual(['cards[0].title', 'cards[0].subtitle', 'quickReplies[0].payload']);
  });

  it('should report Meta limit violations after the shape is right', () => {
    expect(violationsOf({ kind: 'text', text: 'x'.repeat(2000) })).toEqual([
      { path: 'text', rule: 'maxLength', message: 'text: 2000 characters, limit 1999' },
    ]);
  });

  it('should report a malformed nested value instead of crashing', () => {
    expect(violationsOf({ kind: 'buttons', text: 'Pick', buttons: [null] })).toMatchObject([{ rule: 'shape' }]);
  });
});

describe(ValidateNestedRichMessage.name, () => {
  it('should turn a nested JSON message into the DTO of its kind', () => {
    const body = plainToInstance(SendRequestDto, {
      message: { kind: 'buttons', text: 'Pick', buttons: [{ type: 'url', title: 'S', url: 'https://x.io' }] },
    });

    expect(validateSync(body, { whitelist: true, forbidNonWhitelisted: true })).toEqual([]);
    expect(body.message).toBeInstanceOf(ButtonsMessageDto);
    expect((body.message as ButtonsMessageDto).buttons[0]).toBeInstanceOf(UrlButtonDto);
  });

  it('should reject a nested message with an unknown kind or a wrong field', () => {
    const unknownKind = plainToInstance(SendRequestDto, { message: { kind: 'list' } });
    const wrongField = plainToInstance(SendRequestDto, { message: { kind: 'text', text: 5 } });

    expect(validateSync(unknownKind)[0].children?.[0].constraints).toHaveProperty('isIn');
    expect(validateSync(wrongField)[0].children?.[0].constraints).toHaveProperty('isString');
  });
});
