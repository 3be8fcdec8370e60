/** Renders a Send API `message` for a terminal: text, quick replies, buttons, carousel cards, media. */
export function renderPageMessage(message: Record<string, unknown>): string[] {
  const lines: string[] = [];
  if (typeof message.text === 'string') lines.push(message.text);
  const attachment = message.attachment as { type?: string; payload?: Record<string, unknown> } | undefined;
  if (attachment) lines.push(...renderAttachment(attachment));
  const replies = message.quick_replies as { content_type?: string; title?: string }[] | undefined;
  if (replies?.length) lines.push(`Quick replies: ${replies.map((q) => `( ${q.title ?? q.content_type} )`).join(' ')}`);
  return lines.length > 0 ? lines : ['[empty message]'];
}

type Button = { type?: string; title?: string; url?: string; payload?: string };

function buttons(list: Button[] | undefined): string {
  return (list ?? []).map((b) => (b.type === 'web_url' ? `[ ${b.title} ↗ ${b.url} ]` : `[ ${b.title} ]`)).join(' ');
}

function renderAttachment(attachment: { type?: string; payload?: Record<string, unknown> }): string[] {
  const payload = attachment.payload ?? {};
  if (attachment.type === 'template') {
    if (payload.template_type === 'button') return [String(payload.text ?? ''), `  ${buttons(payload.buttons as Button[])}`];
    if (payload.template_type === 'generic') {
      const cards = (payload.elements as { title?: string; subtitle?: string; image_url?: string; buttons?: Button[] }[]) ?? [];
      return cards.flatMap((card, i) => [
        `  ${i + 1}/${cards.length} ▸ ${card.title ?? ''}${card.subtitle ? ` — ${card.subtitle}` : ''}`,
        ...(card.image_url ? [`      image: ${card.image_url}`] : []),
        ...(card.buttons?.length ? [`      ${buttons(card.buttons)}`] : []),
      ]);
    }
    return [`[${String(payload.template_type ?? 'template')} template]`];
  }
  const where = payload.url ?? (payload.attachment_id ? `attachment ${String(payload.attachment_id)}` : '');
  return [`[${attachment.type ?? 'attachment'}${where ? `: ${String(where)}` : ''}]`];
}
