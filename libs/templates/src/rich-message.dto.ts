import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import {
  Equals,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  ValidateNested,
  ValidationError,
  validateSync,
} from 'class-validator';
import { RichMessageValidationError, RichMessageViolation } from './rich-message-validation.error';
import { formatViolationMessage, validateRichMessage } from './rich-message.validator';
import {
  BUTTON_TYPES,
  ButtonsMessage,
  CallButton,
  CardDefaultAction,
  CarouselCard,
  CarouselMessage,
  IMAGE_ASPECT_RATIOS,
  ImageAspectRatio,
  MEDIA_TYPES,
  MediaMessage,
  MediaType,
  PostbackButton,
  QUICK_REPLY_TYPES,
  RICH_MESSAGE_KINDS,
  RichMessage,
  TextMessage,
  TextQuickReply,
  UrlButton,
  UserEmailQuickReply,
  UserPhoneNumberQuickReply,
  WEBVIEW_HEIGHT_RATIOS,
  WebviewHeightRatio,
} from './rich-message.types';

/*
 * class-validator DTOs for the JSON form of a rich message (same shape as the model).
 * They check structure, types and enums; Meta's limits (lengths, counts, URLs, phone numbers…)
 * are checked by `validateRichMessage`, so a controller can accept an over-limit message and
 * degrade it. `parseRichMessage` runs both.
 */

// ---- buttons -------------------------------------------------------------------------------

export class PostbackButtonDto implements PostbackButton {
  @Equals('postback')
  type!: 'postback';

  @IsString()
  title!: string;

  @IsString()
  payload!: string;
}

export class UrlButtonDto implements UrlButton {
  @Equals('url')
  type!: 'url';

  @IsString()
  title!: string;

  @IsString()
  url!: string;

  @IsOptional()
  @IsIn(WEBVIEW_HEIGHT_RATIOS)
  webviewHeightRatio?: WebviewHeightRatio;

  @IsOptional()
  @IsBoolean()
  messengerExtensions?: boolean;

  @IsOptional()
  @IsString()
  fallbackUrl?: string;
}

export class CallButtonDto implements CallButton {
  @Equals('call')
  type!: 'call';

  @IsString()
  title!: string;

  @IsString()
  phoneNumber!: string;
}

/** Target of an unknown button `type`: reports the bad discriminator. */
export class UnknownButtonDto {
  @IsIn(BUTTON_TYPES)
  type!: string;
}

export type RichButtonDto = PostbackButtonDto | UrlButtonDto | CallButtonDto;

export const RICH_BUTTON_DTO_DISCRIMINATOR = {
  property: 'type',
  subTypes: [
    { name: 'postback', value: PostbackButtonDto },
    { name: 'url', value: UrlButtonDto },
    { name: 'call', value: CallButtonDto },
  ],
};

function NestedButtons(): PropertyDecorator {
  return compose(
    IsArray(),
    ValidateNested({ each: true }),
    Type(() => UnknownButtonDto, { discriminator: RICH_BUTTON_DTO_DISCRIMINATOR, keepDiscriminatorProperty: true }),
  );
}

// ---- quick replies -------------------------------------------------------------------------

export class TextQuickReplyDto implements TextQuickReply {
  @Equals('text')
  type!: 'text';

  @IsString()
  title!: string;

  @IsString()
  payload!: string;

  @IsOptional()
  @IsString()
  imageUrl?: string;
}

export class UserEmailQuickReplyDto implements UserEmailQuickReply {
  @Equals('user_email')
  type!: 'user_email';
}

export class UserPhoneNumberQuickReplyDto implements UserPhoneNumberQuickReply {
  @Equals('user_phone_number')
  type!: 'user_phone_number';
}

export class UnknownQuickReplyDto {
  @IsIn(QUICK_REPLY_TYPES)
  type!: string;
}

export type QuickReplyDto = TextQuickReplyDto | UserEmailQuickReplyDto | UserPhoneNumberQuickReplyDto;

export const QUICK_REPLY_DTO_DISCRIMINATOR = {
  property: 'type',
  subTypes: [
    { name: 'text', value: TextQuickReplyDto },
    { name: 'user_email', value: UserEmailQuickReplyDto },
    { name: 'user_phone_number', value: UserPhoneNumberQuickReplyDto },
  ],
};

// ---- messages ------------------------------------------------------------------------------

abstract class RichMessageCommonDto {
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => UnknownQuickReplyDto, { discriminator: QUICK_REPLY_DTO_DISCRIMINATOR, keepDiscriminatorProperty: true })
  quickReplies?: QuickReplyDto[];

  @IsOptional()
  @IsString()
  metadata?: string;
}

export class TextMessageDto extends RichMessageCommonDto implements TextMessage {
  @Equals('text')
  kind!: 'text';

  @IsString()
  text!: string;
}

export class ButtonsMessageDto extends RichMessageCommonDto implements ButtonsMessage {
  @Equals('buttons')
  kind!: 'buttons';

  @IsString()
  text!: string;

  @NestedButtons()
  buttons!: RichButtonDto[];
}

export class CardDefaultActionDto implements CardDefaultAction {
  @IsString()
  url!: string;

  @IsOptional()
  @IsIn(WEBVIEW_HEIGHT_RATIOS)
  webviewHeightRatio?: WebviewHeightRatio;
}

export class CarouselCardDto implements CarouselCard {
  @IsString()
  title!: string;

  @IsOptional()
  @IsString()
  subtitle?: string;

  @IsOptional()
  @IsString()
  imageUrl?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CardDefaultActionDto)
  defaultAction?: CardDefaultActionDto;

  @IsOptional()
  @NestedButtons()
  buttons?: RichButtonDto[];
}

export class CarouselMessageDto extends RichMessageCommonDto implements CarouselMessage {
  @Equals('carousel')
  kind!: 'carousel';

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => CarouselCardDto)
  cards!: CarouselCardDto[];

  @IsOptional()
  @IsIn(IMAGE_ASPECT_RATIOS)
  imageAspectRatio?: ImageAspectRatio;
}

export class MediaMessageDto extends RichMessageCommonDto implements MediaMessage {
  @Equals('media')
  kind!: 'media';

  @IsIn(MEDIA_TYPES)
  mediaType!: MediaType;

  @IsOptional()
  @IsString()
  url?: string;

  @IsOptional()
  @IsString()
  attachmentId?: string;

  @IsOptional()
  @IsBoolean()
  reusable?: boolean;

  @IsOptional()
  @NestedButtons()
  buttons?: RichButtonDto[];
}

/** Target of an unknown message `kind`: reports the bad discriminator. */
export class UnknownRichMessageDto {
  @IsIn(RICH_MESSAGE_KINDS)
  kind!: string;
}

export type RichMessageDto = TextMessageDto | ButtonsMessageDto | CarouselMessageDto | MediaMessageDto;

export const RICH_MESSAGE_DTO_DISCRIMINATOR = {
  property: 'kind',
  subTypes: [
    { name: 'text', value: TextMessageDto },
    { name: 'buttons', value: ButtonsMessageDto },
    { name: 'carousel', value: CarouselMessageDto },
    { name: 'media', value: MediaMessageDto },
  ],
};

const DTO_BY_KIND: Record<RichMessage['kind'], new () => RichMessageDto> = {
  text: TextMessageDto,
  buttons: ButtonsMessageDto,
  carousel: CarouselMessageDto,
  media: MediaMessageDto,
};

/**
 * Property decorator for a request DTO field holding a rich message:
 * `@ValidateNestedRichMessage() message!: RichMessageDto;` (checks shape; limits are checked by
 * `validateRichMessage`/`prepareRichMessage`). Combine with `@IsOptional()` or `@IsDefined()`.
 */
export function ValidateNestedRichMessage(): PropertyDecorator {
  return compose(
    IsObject(),
    ValidateNested(),
    Type(() => UnknownRichMessageDto, { discriminator: RICH_MESSAGE_DTO_DISCRIMINATOR, keepDiscriminatorProperty: true }),
  );
}

/**
 * Parses untrusted JSON into a rich message: checks the shape with the DTOs (unknown properties
 * rejected), then Meta's limits. Returns a copy of the input; throws `RichMessageValidationError`
 * with every violation (`rule: 'shape'` for structural ones).
 */
export function parseRichMessage(input: unknown): RichMessage {
  const kind = isRecord(input) ? input.kind : undefined;
  if (!isKind(kind)) {
    throw new RichMessageValidationError([
      {
        path: 'kind',
        value: kind,
        rule: 'enum',
        message: formatViolationMessage('', 'kind', `must be one of ${RICH_MESSAGE_KINDS.join(', ')}`),
      },
    ]);
  }
  let errors: ValidationError[];
  try {
    errors = validateSync(plainToInstance(DTO_BY_KIND[kind], input), {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
    });
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RichMessageValidationError([
      { path: '', value: input, rule: 'shape', message: formatViolationMessage(kind, '', `malformed message (${reason})`) },
    ]);
  }
  const violations = errors.flatMap((error) => flattenErrors(kind, error, ''));
  if (violations.length > 0) throw new RichMessageValidationError(violations);
  const model = structuredClone(input) as RichMessage;
  const limits = validateRichMessage(model);
  if (limits.length > 0) throw new RichMessageValidationError(limits);
  return model;
}

function flattenErrors(kind: string, error: ValidationError, parent: string): RichMessageViolation[] {
  const path = /^\d+$/.test(error.property)
    ? `${parent}[${error.property}]`
    : parent === ''
      ? error.property
      : `${parent}.${error.property}`;
  const own = Object.values(error.constraints ?? {}).map((constraint) => ({
    path,
    value: error.value,
    rule: 'shape' as const,
    message: formatViolationMessage(kind, path, constraint),
  }));
  return [...own, ...(error.children ?? []).flatMap((child) => flattenErrors(kind, child, path))];
}

function isKind(value: unknown): value is RichMessage['kind'] {
  return (RICH_MESSAGE_KINDS as readonly unknown[]).includes(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compose(...decorators: Array<(target: object, propertyKey: string) => void>): PropertyDecorator {
  return (target, propertyKey) => {
    for (const decorate of decorators) decorate(target, String(propertyKey));
  };
}
