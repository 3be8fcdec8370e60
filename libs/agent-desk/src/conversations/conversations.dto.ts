import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { DeskListFilter } from './conversation-visibility';

export class ListConversationsQuery {
  @ApiPropertyOptional({ enum: ['queued', 'active', 'closed'], default: 'active' })
  @IsOptional()
  @IsIn(['queued', 'active', 'closed'], { message: 'state must be one of queued, active, closed' })
  state?: DeskListFilter;
}

export class SendMessageDto {
  @ApiPropertyOptional({ description: 'Plain text (up to 2000 characters). Send exactly one of text or message.' })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  text?: string;

  @ApiPropertyOptional({
    description:
      'A rich message (see docs/rich-media.md): kind text | buttons | carousel | media, with quickReplies. Violations name the field and the limit.',
    example: {
      kind: 'buttons',
      text: 'Pick one',
      buttons: [
        { type: 'postback', title: 'Yes', payload: 'YES' },
        { type: 'postback', title: 'No', payload: 'NO' },
      ],
    },
    type: Object,
  })
  @IsOptional()
  @IsObject()
  message?: Record<string, unknown>;
}

export class TransferDto {
  @ApiPropertyOptional({ description: 'Target agent id; omit to put the conversation back in the queue' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  toAgentId?: string;
}

export class CloseDto {
  @ApiPropertyOptional({ description: 'Give the conversation back to the bot instead of closing it', default: false })
  @IsOptional()
  @IsBoolean()
  returnToBot?: boolean;
}

export class TypingDto {
  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  on?: boolean;
}
