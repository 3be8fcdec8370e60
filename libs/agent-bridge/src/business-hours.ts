import { CcmConfig } from '@app/config';

type BusinessHours = NonNullable<CcmConfig['queue']['businessHours']>;

/** Whether `now` falls in the business hours (weekday and minutes in the configured time zone). */
export function isWithinBusinessHours(hours: BusinessHours | undefined, now: Date): boolean {
  if (!hours) return true;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: hours.timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  const minutes = Number(get('hour')) * 60 + Number(get('minute'));
  return hours.days.includes(day) && minutes >= hours.from && minutes < hours.to;
}
