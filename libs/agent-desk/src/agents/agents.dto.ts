import { AGENT_PRESENCE_TTL_MS } from '@app/core';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { AgentRole, AgentRow, AgentStatus } from '@app/persistence';
import { unavailableSince } from '../routing/assignment-plan';

export const AGENT_ROLES: AgentRole[] = ['agent', 'supervisor', 'admin'];
export const AGENT_STATUSES: AgentStatus[] = ['available', 'busy', 'away'];

export class LoginDto {
  @ApiProperty({ example: 'alice' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  username!: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password!: string;
}

export class CreateAgentDto {
  @ApiProperty({ example: 'alice', description: 'lower-case letters, digits, . _ -' })
  @IsString()
  @Matches(/^[a-z0-9._-]{2,64}$/, { message: 'username must be 2-64 characters of a-z, 0-9, . _ -' })
  username!: string;

  @ApiProperty({ example: 'Alice Example' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  displayName!: string;

  @ApiProperty({ minLength: 10 })
  @IsString()
  @MinLength(10, { message: 'password must be at least 10 characters' })
  @MaxLength(256)
  password!: string;

  @ApiPropertyOptional({ enum: AGENT_ROLES, default: 'agent', description: 'admin: a supervisor who may also change settings' })
  @IsOptional()
  @IsIn(AGENT_ROLES, { message: `role must be one of ${AGENT_ROLES.join(', ')}` })
  role?: AgentRole;

  @ApiPropertyOptional({ description: 'Concurrency limit for this agent (default AGENT_MAX_CHATS)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  maxChats?: number;
}

export class UpdateAgentDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional({ enum: AGENT_ROLES })
  @IsOptional()
  @IsIn(AGENT_ROLES, { message: `role must be one of ${AGENT_ROLES.join(', ')}` })
  role?: AgentRole;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  maxChats?: number;
}

export class AgentStatusDto {
  @ApiProperty({ enum: AGENT_STATUSES, description: 'available = Online, busy = keeps current chats but gets no new ones, away = Offline' })
  @IsIn(AGENT_STATUSES, { message: `status must be one of ${AGENT_STATUSES.join(', ')}` })
  status!: AgentStatus;
}

export class AgentSummary {
  @ApiProperty() id!: string;
  @ApiProperty() username!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: AGENT_ROLES }) role!: AgentRole;
}

export class AgentView extends AgentSummary {
  @ApiProperty({ enum: AGENT_STATUSES }) status!: AgentStatus;
  @ApiProperty({ description: 'Seen (desk socket or API call) within the presence window' }) online!: boolean;
  @ApiProperty() disabled!: boolean;
  @ApiPropertyOptional({ nullable: true, type: Number }) maxChats!: number | null;
  @ApiPropertyOptional({ description: 'Active conversations' }) activeChats?: number;
  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    description: "When this agent's active conversations go back to the queue (offline or away), epoch ms; null while they are kept",
  })
  graceEndsAt?: number | null;
}

/** What every agent may know about colleagues: enough to pick a transfer target. */
export class AgentDirectoryEntry {
  @ApiProperty() id!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: AGENT_ROLES }) role!: AgentRole;
  @ApiProperty({ enum: AGENT_STATUSES }) status!: AgentStatus;
  @ApiProperty() online!: boolean;
}

export class LoginResponse {
  @ApiProperty({ description: 'JWT for `Authorization: Bearer` and the Socket.IO handshake `auth.token`' }) token!: string;
  @ApiProperty({ description: 'seconds' }) expiresIn!: number;
  @ApiProperty({ type: AgentSummary }) agent!: AgentSummary;
}

/** Desks send a heartbeat every few seconds; one missing for this long counts as disconnected. */
export const PRESENCE_TTL_MS = AGENT_PRESENCE_TTL_MS;

export function agentView(row: AgentRow, now = Date.now(), activeChats?: number, graceMs?: number): AgentView {
  const since = graceMs === undefined ? undefined : unavailableSince(row, now, PRESENCE_TTL_MS);
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    status: row.status,
    online: row.last_seen_at !== null && now - row.last_seen_at <= PRESENCE_TTL_MS,
    disabled: Boolean(row.disabled),
    maxChats: row.max_chats,
    ...(activeChats !== undefined && { activeChats }),
    ...(graceMs !== undefined && { graceEndsAt: since === undefined ? null : since + graceMs }),
  };
}
