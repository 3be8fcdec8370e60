import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, DeskAuthGuard } from '../auth/desk-auth.guard';
import { Principal } from '../auth/principal';
import { DeskValidationPipe } from '../http/desk-validation.pipe';
import { DeskConversationsService } from './desk-conversations.service';
import {
  CloseDto,
  ListConversationsQuery,
  NoteDto,
  NoteView,
  SendMessageDto,
  SnoozeDto,
  TransferDto,
  TypingDto,
} from './conversations.dto';
import { NotesService } from './notes.service';
import { ConversationView, MessageView } from './desk-views';

const Id = () => Param('id', new ParseUUIDPipe({ exceptionFactory: () => notFound() }));
function notFound(): Error {
  return Object.assign(new Error('conversation not found'), { statusCode: 404 });
}

@ApiTags('conversations')
@ApiBearerAuth()
@ApiSecurity('chat-server-key')
@Controller('api/conversations')
@UseGuards(DeskAuthGuard)
@UsePipes(DeskValidationPipe)
export class ConversationsController {
  constructor(
    private readonly desk: DeskConversationsService,
    private readonly notes: NotesService,
  ) {}

  @Get()
  @ApiOkResponse({ type: [ConversationView] })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListConversationsQuery): Promise<ConversationView[]> {
    return this.desk.list(principal, query.state ?? 'active', query.q);
  }

  @Get(':id')
  @ApiOkResponse({ type: ConversationView })
  get(@CurrentPrincipal() principal: Principal, @Id() id: string): Promise<ConversationView> {
    return this.desk.get(principal, id);
  }

  @Get(':id/previous')
  @ApiOkResponse({ type: [ConversationView], description: "The same customer's other conversations on this Page" })
  previous(@CurrentPrincipal() principal: Principal, @Id() id: string): Promise<ConversationView[]> {
    return this.desk.previous(principal, id);
  }

  @Get(':id/notes')
  @ApiOkResponse({ type: [NoteView] })
  listNotes(@CurrentPrincipal() principal: Principal, @Id() id: string): Promise<NoteView[]> {
    return this.notes.list(principal, id);
  }

  @Post(':id/notes')
  @ApiOkResponse({ type: NoteView, description: 'A private note: agents only, never sent to the customer' })
  addNote(@CurrentPrincipal() principal: Principal, @Id() id: string, @Body() body: NoteDto): Promise<NoteView> {
    return this.notes.add(principal, id, body.text);
  }

  @Post(':id/snooze')
  @HttpCode(200)
  @ApiOkResponse({ type: ConversationView })
  snooze(@CurrentPrincipal() principal: Principal, @Id() id: string, @Body() body: SnoozeDto): Promise<ConversationView> {
    return this.desk.snooze(principal, id, body.until ?? null);
  }

  @Get(':id/messages')
  @ApiOkResponse({ type: [MessageView] })
  messages(@CurrentPrincipal() principal: Principal, @Id() id: string): Promise<MessageView[]> {
    return this.desk.messages(principal, id);
  }

  @Post(':id/accept')
  @HttpCode(200)
  @ApiOkResponse({ type: ConversationView })
  accept(@CurrentPrincipal() principal: Principal, @Id() id: string): Promise<ConversationView> {
    return this.desk.accept(principal, id);
  }

  @Post(':id/messages')
  @ApiOkResponse({ type: MessageView, description: 'Queued for delivery; watch message.status for sent/delivered/read/failed' })
  send(@CurrentPrincipal() principal: Principal, @Id() id: string, @Body() body: SendMessageDto): Promise<MessageView> {
    return this.desk.send(principal, id, body);
  }

  @Post(':id/transfer')
  @HttpCode(200)
  @ApiOkResponse({ type: ConversationView })
  transfer(@CurrentPrincipal() principal: Principal, @Id() id: string, @Body() body: TransferDto): Promise<ConversationView> {
    return this.desk.transfer(principal, id, body.toAgentId);
  }

  @Post(':id/close')
  @HttpCode(200)
  @ApiOkResponse({ type: ConversationView })
  close(@CurrentPrincipal() principal: Principal, @Id() id: string, @Body() body: CloseDto): Promise<ConversationView> {
    return this.desk.close(principal, id, body.returnToBot ?? false, body.csat ?? false);
  }

  @Post(':id/typing')
  @HttpCode(204)
  async typing(@CurrentPrincipal() principal: Principal, @Id() id: string, @Body() body: TypingDto): Promise<void> {
    await this.desk.typing(principal, id, body.on ?? true);
  }
}
