import { AGENT_PRESENCE_TTL_MS } from '@app/core';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { AgentRole, AgentRow, AgentStatus } from '@app/persistence';

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

  @ApiPropertyOptional({ enum: ['agent', 'supervisor'], default: 'agent' })
  @IsOptional()
  @IsIn(['agent', 'supervisor'])
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

  @ApiPropertyOptional({ enum: ['agent', 'supervisor'] })
  @IsOptional()
  @IsIn(['agent', 'supervisor'])
  role?: AgentRole;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  maxChats?: number;
}

export class AgentStatusDto {
  @ApiProperty({ enum: ['available', 'away'] })
  @IsIn(['available', 'away'], { message: 'status must be one of available, away' })
  status!: AgentStatus;
}

export class AgentView {
  @ApiProperty() id!: string;
  @ApiProperty() username!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: ['agent', 'supervisor'] }) role!: AgentRole;
  @ApiProperty({ enum: ['available', 'away'] }) status!: AgentStatus;
  @ApiProperty() online!: boolean;
  @ApiProperty() disabled!: boolean;
  @ApiPropertyOptional({ nullable: true, type: Number }) maxChats!: number | null;
  @ApiPropertyOptional({ description: 'Active conversations (supervisor and admin views)' }) activeChats?: number;
}

export class LoginResponse {
  @ApiProperty({ description: 'JWT for `Authorization: Bearer` and the Socket.IO handshake `auth.token`' }) token!: string;
  @ApiProperty({ description: 'seconds' }) expiresIn!: number;
  @ApiProperty({ type: AgentView }) agent!: Pick<AgentView, 'id' | 'username' | 'displayName' | 'role'>;
}

/** Desks send a heartbeat every few seconds; one missing for this long counts as disconnected. */
export const PRESENCE_TTL_MS = AGENT_PRESENCE_TTL_MS;

export function agentView(row: AgentRow, now = Date.now(), activeChats?: number): AgentView {
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
  };
}
