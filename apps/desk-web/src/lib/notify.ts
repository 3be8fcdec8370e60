const KEY = 'ccm.notify';

export const notificationsWanted = () => localStorage.getItem(KEY) === '1';

/** Opt-in: asks the browser's permission when switched on. */
export function setNotificationsWanted(on: boolean): void {
  localStorage.setItem(KEY, on ? '1' : '0');
  if (on && 'Notification' in window && Notification.permission === 'default') void Notification.requestPermission();
}

let audio: AudioContext | undefined;

/** A short two-tone chime, made on the fly (no audio file, nothing inline). */
function chime(): void {
  try {
    audio ??= new AudioContext();
    const start = audio.currentTime;
    [880, 1320].forEach((frequency, i) => {
      const osc = audio!.createOscillator();
      const gain = audio!.createGain();
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.08, start + i * 0.15);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.15 + 0.14);
      osc.connect(gain).connect(audio!.destination);
      osc.start(start + i * 0.15);
      osc.stop(start + i * 0.15 + 0.15);
    });
  } catch {
    /* no audio: the notification is enough */
  }
}

/** New chat: sound and browser notification, if the agent opted in. */
export function newChatAlert(text: string, wanted: boolean): void {
  if (!wanted) return;
  chime();
  if ('Notification' in window && Notification.permission === 'granted') new Notification('ccm agent desk', { body: text, tag: text });
}
