import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CHANNEL_ACTION_NAMES, ChannelActionName } from '@app/core';

export class ChannelActionDto {
  @ApiProperty({
    enum: CHANNEL_ACTION_NAMES,
    description: "What to do; the conversation's channel must list it in its capabilities (GET /api/channels)",
  })
  @IsIn(CHANNEL_ACTION_NAMES as string[], { message: `action must be one of ${CHANNEL_ACTION_NAMES.join(', ')}` })
  action!: ChannelActionName;

  @ApiPropertyOptional({ description: "The item acted on (a comment id); default: the customer's latest comment" })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(/^[\w.-]+$/, { message: 'itemId must be an id' })
  itemId?: string;

  @ApiPropertyOptional({ description: 'For public_reply and private_reply' })
  @IsOptional()
  @IsString()
  @MaxLength(8000)
  text?: string;
}

export class ChannelActionResultView {
  @ApiProperty({ enum: CHANNEL_ACTION_NAMES }) action!: string;
  @ApiProperty() itemId!: string;
  @ApiPropertyOptional() createdId?: string;
  @ApiPropertyOptional({ description: 'A private reply: the Messenger conversation it started, linked to this one' })
  linkedConversationId?: string;
}

export class ChannelDescriptorView {
  @ApiProperty() id!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty() docsUrl!: string;
  @ApiProperty({ type: Object, description: 'richTemplates, typingIndicators, readReceipts, actions[]' }) capabilities!: Record<
    string,
    unknown
  >;
}
