import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  ParseIntPipe,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiQuery, ApiSecurity, ApiTags, ApiOperation } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, DeskAuthGuard } from '../auth/desk-auth.guard';
import { Principal } from '../auth/principal';
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
import { AttachmentsService, AttachmentView } from './attachments.service';
import { ConversationView, MessageView } from './desk-views';
import { EpisodesService, EpisodeView } from './episodes.service';
import { ApiValidationPipe } from '@app/platform-http';
import { DeskErrorCode, DeskException } from '../http/desk.exception';

const Id = () => Param('id', new ParseUUIDPipe({ exceptionFactory: () => notFound() }));
function notFound(): Error {
  return Object.assign(new Error('conversation not found'), { statusCode: 404 });
}
/** An episode is named by the id of the event that ended it: anything else is bad input, not a missing conversation. */
const EpisodeId = () =>
  Param(
    'episodeId',
    new ParseIntPipe({
      exceptionFactory: () =>
        new DeskException(DeskErrorCode.ValidationFailed, 'episodeId must be an integer', [
          { field: 'episodeId', message: 'must be an integer (the episodeId of an earlier episode)' },
        ]),
    }),
  );

@ApiTags('conversations')
@ApiBearerAuth()
@ApiSecurity('chat-server-key')
@Controller('api/conversations')
@UseGuards(DeskAuthGuard)
@UsePipes(ApiValidationPipe)
export class ConversationsController {
  constructor(
    private readonly desk: DeskConversationsService,
    private readonly notes: NotesService,
    private readonly attachments: AttachmentsService,
    private readonly episodes: EpisodesService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Lists the conversations the caller may see (queued, active or closed; optional search)' })
  @ApiOkResponse({ type: [ConversationView] })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListConversationsQuery): Promise<ConversationView[]> {
    return this.desk.list(principal, query.state ?? 'active', query.q);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One conversation' })
  @ApiOkResponse({ type: ConversationView })
  get(@CurrentPrincipal() principal: Principal, @Id() id: string): Promise<ConversationView> {
    return this.desk.get(principal, id);
  }

  @Get(':id/previous')
  @ApiOperation({
    summary: 'The customer’s earlier episodes with this Page, newest first',
    description:
      'Each time this conversation was closed or given back to the bot ended an episode (the customer writing again reopens the same conversation); ' +
      'also the episodes of the customer’s conversations on the Page’s other channels, and what is going on there (`outcome: ongoing`).',
  })
  @ApiOkResponse({ type: [EpisodeView] })
  previous(@CurrentPrincipal() principal: Principal, @Id() id: string): Promise<EpisodeView[]> {
    return this.episodes.list(principal, id);
  }

  @Get(':id/previous/:episodeId/messages')
  @ApiOperation({ summary: 'The messages of one earlier episode of this conversation, oldest first (read-only)' })
  @ApiOkResponse({ type: [MessageView] })
  episodeMessages(@CurrentPrincipal() principal: Principal, @Id() id: string, @EpisodeId() episodeId: number): Promise<MessageView[]> {
    return this.episodes.messages(principal, id, episodeId);
  }

  @Get(':id/notes')
  @ApiOperation({ summary: 'Private notes on a conversation' })
  @ApiOkResponse({ type: [NoteView] })
  listNotes(@CurrentPrincipal() principal: Principal, @Id() id: string): Promise<NoteView[]> {
    return this.notes.list(principal, id);
  }

  @Post(':id/notes')
  @ApiOperation({ summary: 'Adds a private note (never sent to the customer)' })
  @ApiOkResponse({ type: NoteView, description: 'A private note: agents only, never sent to the customer' })
  addNote(@CurrentPrincipal() principal: Principal, @Id() id: string, @Body() body: NoteDto): Promise<NoteView> {
    return this.notes.add(principal, id, body.text);
  }

  @Post(':id/snooze')
  @ApiOperation({ summary: 'Snoozes a conversation until a time (null ends the snooze)' })
  @HttpCode(200)
  @ApiOkResponse({ type: ConversationView })
  snooze(@CurrentPrincipal() principal: Principal, @Id() id: string, @Body() body: SnoozeDto): Promise<ConversationView> {
    return this.desk.snooze(principal, id, body.until ?? null);
  }

  @Get(':id/messages')
  @ApiOperation({ summary: 'A conversation’s messages, oldest first' })
  @ApiOkResponse({ type: [MessageView] })
  messages(@CurrentPrincipal() principal: Principal, @Id() id: string): Promise<MessageView[]> {
    return this.desk.messages(principal, id);
  }

  @Post(':id/accept')
  @ApiOperation({ summary: 'Takes a waiting conversation (hand-over to this agent)' })
  @HttpCode(200)
  @ApiOkResponse({ type: ConversationView })
  accept(@CurrentPrincipal() principal: Principal, @Id() id: string): Promise<ConversationView> {
    return this.desk.accept(principal, id);
  }

  @Post(':id/messages')
  @ApiOperation({ summary: 'Sends a message to the customer (queued; watch its status)' })
  @ApiOkResponse({ type: MessageView, description: 'Queued for delivery; watch message.status for sent/delivered/read/failed' })
  send(@CurrentPrincipal() principal: Principal, @Id() id: string, @Body() body: SendMessageDto): Promise<MessageView> {
    return this.desk.send(principal, id, body);
  }

  @Post(':id/attachments')
  @ApiOperation({
    summary: 'Uploads a file from the agent’s disk (the raw bytes, with its Content-Type and ?filename=)',
    description:
      "Checked against Meta's limits (images ≤ 8 MB, other files ≤ 25 MB; no HTML, SVG or scripts) and kept in ccm's media store. " +
      'Answers ccm’s link: send it as a media message ({ kind: "media", mediaType, url, reusable: true }). ' +
      'With MEDIA_PUBLIC_BASE_URL it is the public https link Meta fetches; without it, ccm’s path /media/{key}/{name}, ' +
      'whose bytes ccm uploads to Messenger itself (Attachment Upload API). Instagram conversations need MEDIA_PUBLIC_BASE_URL.',
  })
  @ApiConsumes('application/octet-stream', 'image/*', 'video/*', 'audio/*', 'application/*', 'text/*')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiQuery({ name: 'filename', type: String, required: true, description: 'The file name the customer sees' })
  @ApiOkResponse({ type: AttachmentView, description: 'Stored; the link ccm serves it at' })
  @HttpCode(200)
  attach(
    @CurrentPrincipal() principal: Principal,
    @Id() id: string,
    @Req() request: FastifyRequest,
    @Headers('content-type') contentType: string | undefined,
    @Query('filename') filename: string | undefined,
  ): Promise<AttachmentView> {
    return this.attachments.upload(principal, id, request.body, contentType, filename);
  }

  @Post(':id/transfer')
  @ApiOperation({ summary: 'Transfers a conversation to another agent or back to the queue' })
  @HttpCode(200)
  @ApiOkResponse({ type: ConversationView })
  transfer(@CurrentPrincipal() principal: Principal, @Id() id: string, @Body() body: TransferDto): Promise<ConversationView> {
    return this.desk.transfer(principal, id, body.toAgentId);
  }

  @Post(':id/close')
  @ApiOperation({ summary: 'Closes a conversation, or gives it back to the bot (optionally asking for a rating)' })
  @HttpCode(200)
  @ApiOkResponse({ type: ConversationView })
  close(@CurrentPrincipal() principal: Principal, @Id() id: string, @Body() body: CloseDto): Promise<ConversationView> {
    return this.desk.close(principal, id, body.returnToBot ?? false, body.csat ?? false);
  }

  @Post(':id/typing')
  @ApiOperation({ summary: 'Shows or hides the typing indicator to the customer' })
  @HttpCode(204)
  async typing(@CurrentPrincipal() principal: Principal, @Id() id: string, @Body() body: TypingDto): Promise<void> {
    await this.desk.typing(principal, id, body.on ?? true);
  }
}
