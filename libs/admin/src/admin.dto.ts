import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateIf } from 'class-validator';
import { BUSINESS_HOURS_PATTERN } from '@app/config';
import { MessageAuthor, ROUTING_POLICIES, RoutingPolicy } from '@app/core';

export class SetPageTokenDto {
  @ApiProperty({ minLength: 10, description: 'A Page access token; checked against Meta (GET /me) before anything is stored' })
  @IsString()
  @MinLength(10)
  accessToken!: string;
}

export class UpdateRoutingDto {
  @ApiPropertyOptional({ enum: ROUTING_POLICIES, description: 'DEFAULT: bot first, agents when needed' })
  @IsOptional()
  @IsIn(ROUTING_POLICIES as string[], { message: `policy must be one of ${ROUTING_POLICIES.join(', ')}` })
  policy?: RoutingPolicy;

  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'Bot answers below this confidence count as low-confidence turns' })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  confidenceThreshold?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, description: 'Low-confidence turns in a row before a hand-over to agents' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  lowConfidenceTurns?: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', enum: [...ROUTING_POLICIES], nullable: true },
    example: { comments: 'AGENT_ONLY' },
    description:
      "A policy for a channel that has its own (GET shows which: e.g. `comments`, the Page's comment threads); null: back to the configured one",
  })
  @IsOptional()
  @IsObject()
  channelPolicies?: Record<string, RoutingPolicy | null>;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'Mon-Fri 09:00-18:00 Europe/Berlin',
    description:
      'When people answer for this Page (outside them customers are told so on hand-over): "Mon-Fri 09:00-18:00 Europe/Berlin"; "" = always; null = the deployment default (BUSINESS_HOURS)',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null && value !== '')
  @IsString()
  @Matches(BUSINESS_HOURS_PATTERN, { message: 'businessHours must look like "Mon-Fri 09:00-18:00 Europe/Berlin" ("" = always open)' })
  businessHours?: string | null;
}

// ---- Answers (the desk's settings screen reads them through the generated types) ----

export class RoutingSettingsView {
  @ApiProperty() pageId!: string;
  @ApiProperty({ enum: ROUTING_POLICIES }) policy!: RoutingPolicy;
  @ApiProperty({ description: 'Confidence threshold (0..1)' }) threshold!: number;
  @ApiProperty() lowConfidenceTurns!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: [...ROUTING_POLICIES], nullable: true },
    example: { comments: 'AGENT_ONLY' },
    description: "Each channel with a policy of its own, as in force for this Page (null: the Page's policy applies)",
  })
  channelPolicies!: Record<string, RoutingPolicy | null>;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'Mon-Fri 09:00-18:00 Europe/Berlin',
    description: 'Business hours in force for this Page (null: always open)',
  })
  businessHours!: string | null;
  @ApiProperty({ enum: ['page', 'deployment'], description: 'page: set for this Page in Settings; deployment: BUSINESS_HOURS' })
  businessHoursSource!: 'page' | 'deployment';
}

export class AuditEntryView {
  @ApiProperty() id!: number;
  @ApiProperty({ description: '`agent:<name>` for an admin login, else the x-admin-actor header or `admin-api`' }) actor!: string;
  @ApiProperty({ example: 'routing.update' }) action!: string;
  @ApiProperty({ example: 'page:1234567890' }) target!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The settings before the change' })
  before!: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The settings after the change' })
  after!: Record<string, unknown> | null;
  @ApiProperty({ description: 'Epoch milliseconds' }) at!: number;
}

export class PageStateView {
  @ApiProperty() pageId!: string;
  @ApiProperty({ enum: ['valid', 'invalid'] }) tokenStatus!: 'valid' | 'invalid';
  @ApiProperty({ type: String, nullable: true }) tokenError!: string | null;
  @ApiProperty({ description: 'Meta refused sends for this Page (its messages wait in the outbox)' }) blocked!: boolean;
  @ApiProperty({ type: String, nullable: true }) blockReason!: string | null;
  @ApiProperty({ description: 'Epoch milliseconds' }) updatedAt!: number;
}

export class PageTokenResultView {
  @ApiProperty() pageId!: string;
  @ApiProperty({ enum: ['valid'], description: 'Only `valid` is answered with 200; other outcomes are 422/502 errors' })
  tokenStatus!: 'valid';
}

export class DeadInboundEventView {
  @ApiProperty() id!: number;
  @ApiProperty({ example: 'message' }) kind!: string;
  @ApiProperty() pageId!: string;
  @ApiProperty({ type: String, nullable: true }) customerId!: string | null;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ description: 'Epoch milliseconds' }) receivedAt!: number;
}

export class FailedOutboundMessageView {
  @ApiProperty() id!: number;
  @ApiProperty() conversationId!: string;
  @ApiProperty({ enum: ['customer', 'bot', 'agent', 'system'] }) author!: MessageAuthor;
  @ApiProperty({ type: String, nullable: true }) text!: string | null;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true, description: "Meta's error (code and message)" }) error!: string | null;
  @ApiProperty({ description: 'Epoch milliseconds' }) createdAt!: number;
}

export class DeadBridgeEventView {
  @ApiProperty() id!: number;
  @ApiProperty() conversationId!: string;
  @ApiProperty({ example: 'message.created' }) eventType!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ type: String, nullable: true }) lastError!: string | null;
  @ApiProperty({ description: 'Epoch milliseconds' }) createdAt!: number;
}

export class ReplayedView {
  @ApiProperty({ description: 'The id put back in its queue' }) replayed!: number;
}

export class RetriedView {
  @ApiProperty({ description: 'The id put back in the outbox' }) retried!: number;
}

export class AppliedMessengerProfileView {
  @ApiProperty() pageId!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The profile as applied, in Meta’s shape' })
  profile!: object;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What GET /me/messenger_profile answered right after' })
  readBack!: Record<string, unknown>;
  @ApiProperty() appliedBy!: string;
  @ApiProperty({ description: 'Epoch milliseconds' }) appliedAt!: number;
}
