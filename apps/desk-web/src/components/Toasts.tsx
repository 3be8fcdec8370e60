import { useState } from 'preact/hooks';

export interface Toast {
  id: number;
  kind: 'info' | 'error' | 'success';
  text: string;
}

let next = 1;

/** Toasts instead of alert(): they never block the agent and go away by themselves. */
export function useToasts() {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = (id: number) => setToasts((all) => all.filter((t) => t.id !== id));
  const show = (kind: Toast['kind'], text: string, ms = 6000) => {
    const id = next++;
    setToasts((all) => [...all.slice(-4), { id, kind, text }]);
    setTimeout(() => dismiss(id), ms);
  };
  return { toasts, show, dismiss };
}

export function Toasts({ toasts, dismiss }: { toasts: Toast[]; dismiss(id: number): void }) {
  return (
    <div class="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} class={`toast ${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
          <span>{t.text}</span>
          <button type="button" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
