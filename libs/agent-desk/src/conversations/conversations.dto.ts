import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, MaxLength, Min, MinLength } from 'class-validator';
import { DeskListFilter } from './conversation-visibility';

export class ListConversationsQuery {
  @ApiPropertyOptional({ enum: ['queued', 'active', 'closed'], default: 'active' })
  @IsOptional()
  @IsIn(['queued', 'active', 'closed'], { message: 'state must be one of queued, active, closed' })
  state?: DeskListFilter;

  @ApiPropertyOptional({ description: 'Search: customer name, customer id (PSID) or message text (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;
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

  @ApiPropertyOptional({
    description: 'Ask the customer to rate the conversation (1-5), only while the standard reply window is open',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  csat?: boolean;
}

export class SnoozeDto {
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Snooze until (epoch ms); null or omitted ends the snooze' })
  @IsOptional()
  @IsInt()
  @Min(0)
  until?: number | null;
}

export class NoteDto {
  @ApiProperty({ description: 'Visible to agents only; never sent to the customer' })
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  text!: string;
}

export class NoteView {
  @ApiProperty() id!: number;
  @ApiProperty() conversationId!: string;
  @ApiProperty() agentId!: string;
  @ApiProperty() authorName!: string;
  @ApiProperty() text!: string;
  @ApiProperty() createdAt!: number;
}

export class TypingDto {
  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  on?: boolean;
}
