import {
  Body,
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  HttpCode,
  Injectable,
  Param,
  Patch,
  Post,
  Put,
  Req,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { CurrentPrincipal, DeskAuthGuard } from '../auth/desk-auth.guard';
import { LoginService } from '../auth/login.service';
import { AgentTokenService } from '../auth/agent-token.service';
import { isSupervisor, Principal } from '../auth/principal';
import { DeskErrorCode, DeskException } from '../http/desk.exception';
import { AgentDirectoryEntry, AgentStatusDto, AgentView, CreateAgentDto, LoginDto, LoginResponse, UpdateAgentDto } from './agents.dto';
import { AgentsService } from './agents.service';
import { AdminKeyGuard, ApiValidationPipe } from '@app/platform-http';

@ApiTags('auth')
@Controller('api/auth')
@UsePipes(ApiValidationPipe)
export class AuthController {
  constructor(
    private readonly login: LoginService,
    private readonly tokens: AgentTokenService,
  ) {}

  @Post('logout')
  @HttpCode(204)
  @UseGuards(DeskAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Ends every session of the calling agent: tokens issued until now are refused, open desks disconnect' })
  async signOut(@CurrentPrincipal() principal: Principal): Promise<void> {
    if (principal.kind === 'agent') await this.tokens.revokeAll(principal.agentId);
  }

  @Post('login')
  @ApiOperation({ summary: 'Signs an agent in with username and password (429 with Retry-After when limited)' })
  @HttpCode(200)
  @ApiOkResponse({ type: LoginResponse })
  async signIn(@Body() body: LoginDto, @Req() request: FastifyRequest): Promise<LoginResponse> {
    return this.login.login(body.username, body.password, request.ip);
  }
}

/** The admin key, or a supervisor's token: both may see every agent. */
@Injectable()
export class AdminOrSupervisorGuard implements CanActivate {
  constructor(
    private readonly admin: AdminKeyGuard,
    private readonly desk: DeskAuthGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.switchToHttp().getRequest<FastifyRequest>().headers['x-admin-key'] !== undefined) return this.admin.canActivate(context);
    await this.desk.canActivate(context);
    const principal = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>().principal;
    if (!principal || !isSupervisor(principal)) throw new DeskException(DeskErrorCode.Forbidden, 'only supervisors and admins list agents');
    return true;
  }
}

@ApiTags('agents')
@Controller('api/agents')
@UsePipes(ApiValidationPipe)
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Post()
  @ApiOperation({ summary: 'Creates an agent (admin key)' })
  @UseGuards(AdminKeyGuard)
  @ApiSecurity('admin-key')
  @ApiOkResponse({ type: AgentView })
  create(@Body() body: CreateAgentDto): Promise<AgentView> {
    return this.agents.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'Lists every agent (admin key or a supervisor)' })
  @UseGuards(AdminOrSupervisorGuard)
  @ApiSecurity('admin-key')
  @ApiBearerAuth()
  @ApiOkResponse({ type: [AgentView] })
  list(): Promise<AgentView[]> {
    return this.agents.list();
  }

  @Get('directory')
  @ApiOperation({ summary: 'Enabled agents with their state, for transfers' })
  @UseGuards(DeskAuthGuard)
  @ApiBearerAuth()
  @ApiOkResponse({ type: [AgentDirectoryEntry], description: 'Enabled agents with their state, for transfers' })
  directory(): Promise<AgentDirectoryEntry[]> {
    return this.agents.directory();
  }

  @Get('me')
  @ApiOperation({ summary: 'The signed-in agent' })
  @UseGuards(DeskAuthGuard)
  @ApiBearerAuth()
  @ApiOkResponse({ type: AgentView })
  me(@CurrentPrincipal() principal: Principal): Promise<AgentView> {
    return this.agents.me(principal);
  }

  @Put('me/status')
  @ApiOperation({ summary: 'Sets the signed-in agent’s availability' })
  @UseGuards(DeskAuthGuard)
  @ApiBearerAuth()
  @ApiOkResponse({ type: AgentView })
  setStatus(@CurrentPrincipal() principal: Principal, @Body() body: AgentStatusDto): Promise<AgentView> {
    return this.agents.setStatus(principal, body.status);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Disables/enables an agent, changes role or concurrency limit (open desks of a disabled or demoted agent disconnect)',
  })
  @UseGuards(AdminKeyGuard)
  @ApiSecurity('admin-key')
  @ApiOkResponse({ type: AgentView, description: 'Disable/enable an agent, change role or concurrency limit' })
  update(@Param('id') id: string, @Body() body: UpdateAgentDto): Promise<AgentView> {
    return this.agents.update(id, body);
  }
}
