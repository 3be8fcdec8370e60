import { randomUUID } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Injectable, Param, Post, Put, Req, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiSecurity, ApiTags, ApiOperation } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { FastifyRequest } from 'fastify';
import { Clock } from '@app/core';
import { PersistenceService } from '@app/persistence';
import { AdminOrSupervisorGuard } from '../agents/agents.controller';
import { DeskAuthGuard } from '../auth/desk-auth.guard';
import { Principal } from '../auth/principal';
import { DeskErrorCode, DeskException } from '../http/desk.exception';
import { CannedResponseRow, DeskRepository } from '../store/desk.repository';
import { ApiValidationPipe } from '@app/platform-http';

const SHORTCUT = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export class CannedResponseDto {
  @ApiProperty({ example: 'refund', description: 'Typed after `/` in the composer: a-z, 0-9, _ and -, up to 32' })
  @IsString()
  @Matches(SHORTCUT, { message: 'shortcut must be 1-32 characters of a-z, 0-9, _ -, starting with a letter or digit' })
  shortcut!: string;

  @ApiProperty({ example: 'Refund policy' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  title!: string;

  @ApiProperty({ example: 'You can return any item within 30 days for a full refund.' })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  text!: string;
}

export class UpdateCannedResponseDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(SHORTCUT, { message: 'shortcut must be 1-32 characters of a-z, 0-9, _ -, starting with a letter or digit' })
  shortcut?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  title?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  text?: string;
}

export class CannedResponseView {
  @ApiProperty() id!: string;
  @ApiProperty() shortcut!: string;
  @ApiProperty() title!: string;
  @ApiProperty() text!: string;
  @ApiProperty() updatedBy!: string;
  @ApiProperty() updatedAt!: number;
}

function view(row: CannedResponseRow): CannedResponseView {
  return { id: row.id, shortcut: row.shortcut, title: row.title, text: row.text, updatedBy: row.updated_by, updatedAt: row.updated_at };
}

/** Canned responses: every agent reads them; supervisors and admins manage them (audited). */
@Injectable()
export class CannedResponsesService {
  constructor(
    private readonly persistence: PersistenceService,
    private readonly clock: Clock,
  ) {}

  async list(): Promise<CannedResponseView[]> {
    return (await new DeskRepository(this.persistence.repos).cannedResponses()).map(view);
  }

  async create(actor: string, dto: CannedResponseDto): Promise<CannedResponseView> {
    const now = this.clock.now();
    const row: CannedResponseRow = { id: randomUUID(), ...dto, updated_by: actor, created_at: now, updated_at: now };
    await this.persistence.transaction(async (repos) => {
      const desk = new DeskRepository(repos);
      if (await desk.cannedByShortcut(dto.shortcut)) throw taken(dto.shortcut);
      await desk.insertCanned(row);
      await repos.pageSettings.audit({ actor, action: 'canned.create', target: `canned:${row.id}`, before: null, after: dto }, now);
    });
    return view(row);
  }

  async update(actor: string, id: string, dto: UpdateCannedResponseDto): Promise<CannedResponseView> {
    const now = this.clock.now();
    await this.persistence.transaction(async (repos) => {
      const desk = new DeskRepository(repos);
      const before = await desk.cannedResponse(id);
      if (!before) throw new DeskException(DeskErrorCode.NotFound, `canned response ${id} not found`);
      if (dto.shortcut && dto.shortcut !== before.shortcut && (await desk.cannedByShortcut(dto.shortcut))) throw taken(dto.shortcut);
      await desk.updateCanned(id, { ...dto, updated_by: actor, updated_at: now });
      await repos.pageSettings.audit({ actor, action: 'canned.update', target: `canned:${id}`, before: view(before), after: dto }, now);
    });
    return view((await new DeskRepository(this.persistence.repos).cannedResponse(id))!);
  }

  async remove(actor: string, id: string): Promise<void> {
    const now = this.clock.now();
    await this.persistence.transaction(async (repos) => {
      const desk = new DeskRepository(repos);
      const before = await desk.cannedResponse(id);
      if (!before) throw new DeskException(DeskErrorCode.NotFound, `canned response ${id} not found`);
      await desk.deleteCanned(id);
      await repos.pageSettings.audit({ actor, action: 'canned.delete', target: `canned:${id}`, before: view(before), after: null }, now);
    });
  }
}

function taken(shortcut: string): DeskException {
  return new DeskException(DeskErrorCode.ValidationFailed, `shortcut /${shortcut} is taken`, [
    { field: 'shortcut', message: 'already taken' },
  ]);
}

/** The audited actor: the supervisor's name, or the admin key (with its optional x-admin-actor). */
function actorOf(request: FastifyRequest & { principal?: Principal }): string {
  if (request.principal) return `agent:${request.principal.name}`;
  const claimed = request.headers['x-admin-actor'];
  return typeof claimed === 'string' && claimed ? claimed.slice(0, 64) : 'admin-api';
}

@ApiTags('canned responses')
@Controller('api/canned-responses')
@UsePipes(ApiValidationPipe)
export class CannedResponsesController {
  constructor(private readonly canned: CannedResponsesService) {}

  @Get()
  @ApiOperation({ summary: 'Lists canned responses' })
  @UseGuards(DeskAuthGuard)
  @ApiBearerAuth()
  @ApiOkResponse({ type: [CannedResponseView] })
  list(): Promise<CannedResponseView[]> {
    return this.canned.list();
  }

  @Post()
  @ApiOperation({ summary: 'Creates a canned response (admin key or a supervisor)' })
  @UseGuards(AdminOrSupervisorGuard)
  @ApiBearerAuth()
  @ApiSecurity('admin-key')
  @ApiOkResponse({ type: CannedResponseView })
  create(@Req() request: FastifyRequest, @Body() body: CannedResponseDto): Promise<CannedResponseView> {
    return this.canned.create(actorOf(request), body);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Changes a canned response (admin key or a supervisor)' })
  @UseGuards(AdminOrSupervisorGuard)
  @ApiBearerAuth()
  @ApiSecurity('admin-key')
  @ApiOkResponse({ type: CannedResponseView })
  update(@Req() request: FastifyRequest, @Param('id') id: string, @Body() body: UpdateCannedResponseDto): Promise<CannedResponseView> {
    return this.canned.update(actorOf(request), id, body);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Deletes a canned response (admin key or a supervisor)' })
  @HttpCode(204)
  @UseGuards(AdminOrSupervisorGuard)
  @ApiBearerAuth()
  @ApiSecurity('admin-key')
  async remove(@Req() request: FastifyRequest, @Param('id') id: string): Promise<void> {
    await this.canned.remove(actorOf(request), id);
  }
}
