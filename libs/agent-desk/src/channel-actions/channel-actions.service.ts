import { Injectable } from '@nestjs/common';
import { ChannelActionError, ChannelActionOutcome, ChannelActionRequest, ChannelDescriptor } from '@app/core';
import { ChannelRegistry, targetOf } from '@app/conversations';
import { PersistenceService } from '@app/persistence';
import { Principal } from '../auth/principal';
import { canAct, canView } from '../conversations/conversation-visibility';
import { DeskErrorCode, DeskException } from '../http/desk.exception';

const ERROR_CODES: Record<ChannelActionError['code'], DeskErrorCode> = {
  UNSUPPORTED: DeskErrorCode.ActionNotSupported,
  REFUSED: DeskErrorCode.ActionRefused,
  NOT_FOUND: DeskErrorCode.NotFound,
  FAILED: DeskErrorCode.ActionFailed,
};

/**
 * Channel actions for agents (reply publicly, privately, like, hide, delete a comment…): the desk
 * checks who may act, the conversation's channel adapter decides and does the rest. The desk names no
 * channel: what a channel can do comes from its descriptor.
 */
@Injectable()
export class ChannelActionsService {
  constructor(
    private readonly persistence: PersistenceService,
    private readonly channels: ChannelRegistry,
  ) {}

  descriptors(): ChannelDescriptor[] {
    return this.channels.descriptors();
  }

  async perform(principal: Principal, conversationId: string, request: ChannelActionRequest): Promise<ChannelActionOutcome> {
    const row = await this.persistence.repos.conversations.findById(conversationId);
    if (!row || !canView(principal, row)) throw new DeskException(DeskErrorCode.NotFound, `conversation ${conversationId} not found`);
    if (!canAct(principal, row)) {
      throw new DeskException(
        row.state === 'QUEUED' ? DeskErrorCode.InvalidState : DeskErrorCode.Forbidden,
        row.state === 'QUEUED' ? 'accept the conversation first' : `not allowed on a conversation in state ${row.state}`,
      );
    }
    const adapter = this.channels.adapter(row.channel);
    if (!adapter?.actions || !adapter.descriptor.capabilities.actions.includes(request.action)) {
      throw new DeskException(
        DeskErrorCode.ActionNotSupported,
        `${adapter?.descriptor.displayName ?? row.channel} conversations do not support ${request.action}`,
        [{ field: 'action', message: `supported: ${adapter?.descriptor.capabilities.actions.join(', ') || 'none'}` }],
      );
    }
    try {
      return await adapter.actions.perform(targetOf(row), request, { kind: 'agent', id: principal.agentId });
    } catch (error) {
      if (error instanceof ChannelActionError) throw new DeskException(ERROR_CODES[error.code], error.message);
      throw error;
    }
  }
}
