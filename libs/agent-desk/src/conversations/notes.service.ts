import { Injectable } from '@nestjs/common';
import { Clock } from '@app/core';
import { PersistenceService } from '@app/persistence';
import { Principal } from '../auth/principal';
import { DeskErrorCode, DeskException } from '../http/desk.exception';
import { audienceOf } from '../realtime/desk-events.relay';
import { DeskGateway } from '../realtime/desk.gateway';
import { DeskNoteRow, DeskRepository } from '../store/desk.repository';
import { canView } from './conversation-visibility';
import { NoteView } from './conversations.dto';

/** Private notes on a conversation: written and read by whoever may see it, never sent to the customer. */
@Injectable()
export class NotesService {
  constructor(
    private readonly persistence: PersistenceService,
    private readonly gateway: DeskGateway,
    private readonly clock: Clock,
  ) {}

  async list(principal: Principal, conversationId: string): Promise<NoteView[]> {
    await this.visible(principal, conversationId);
    return (await new DeskRepository(this.persistence.repos).notes(conversationId)).map(noteView);
  }

  async add(principal: Principal, conversationId: string, text: string): Promise<NoteView> {
    const row = await this.visible(principal, conversationId);
    const note = noteView(
      await new DeskRepository(this.persistence.repos).addNote({
        conversation_id: row.id,
        agent_id: principal.agentId,
        author_name: principal.name,
        text,
        created_at: this.clock.now(),
      }),
    );
    this.gateway.emit(audienceOf(row), 'note.created', note);
    return note;
  }

  private async visible(principal: Principal, id: string) {
    const row = await this.persistence.repos.conversations.findById(id);
    if (!row || !canView(principal, row)) throw new DeskException(DeskErrorCode.NotFound, `conversation ${id} not found`);
    return row;
  }
}

function noteView(row: DeskNoteRow): NoteView {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    agentId: row.agent_id,
    authorName: row.author_name,
    text: row.text,
    createdAt: row.created_at,
  };
}
