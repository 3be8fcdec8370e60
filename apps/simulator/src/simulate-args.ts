/** `npm run simulate` arguments, checked before anything is sent. */
export interface SimulateArgs {
  help: boolean;
  psid: string;
  text?: string;
  postback?: string;
  quickReply?: string;
  waitSeconds: number;
}

export const SIMULATE_USAGE = `Usage: npm run simulate -- [options] [message text]

Plays a Messenger customer against ccm in local mode (npm start): the message goes through the Messenger
simulator (signed, batched webhook, shown on its page too) and ccm's replies are printed as they arrive.

Options:
  --psid <id>          the customer (default local-customer-1; created on first use)
  --postback <payload> tap a button with this payload instead of typing text
  --quick-reply <payload>
                       tap a quick reply with this payload (the text is its title)
  --wait <seconds>     how long to wait for replies (default 5; 0 = do not wait)
  -h, --help           this help

Environment: PORT (ccm, default 3000), LOCAL_GRAPH_PORT (the simulator, default PORT + 1).
Examples:
  npm run simulate -- "where is my order"
  npm run simulate -- --psid bob "I want to talk to a human"
  npm run simulate -- --postback MENU --wait 10`;

export class SimulateArgsError extends Error {}

export function parseSimulateArgs(argv: readonly string[]): SimulateArgs {
  const args: SimulateArgs = { help: false, psid: 'local-customer-1', waitSeconds: 5 };
  const words: string[] = [];
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new SimulateArgsError(`${flag} needs a value (see --help)`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    switch (arg) {
      case '-h':
      case '--help':
        args.help = true;
        break;
      case '--psid':
        args.psid = value(i++, arg);
        if (!/^[\w.-]{1,64}$/.test(args.psid)) throw new SimulateArgsError('--psid: letters, digits, ".", "_" or "-" only (at most 64)');
        break;
      case '--postback':
        args.postback = value(i++, arg);
        break;
      case '--quick-reply':
        args.quickReply = value(i++, arg);
        break;
      case '--wait': {
        const raw = value(i++, arg);
        const seconds = Number(raw);
        if (!Number.isFinite(seconds) || seconds < 0 || seconds > 600)
          throw new SimulateArgsError(`--wait: seconds from 0 to 600 (got "${raw}")`);
        args.waitSeconds = seconds;
        break;
      }
      default:
        if (arg.startsWith('-') && !/^-\d/.test(arg)) throw new SimulateArgsError(`unknown option ${arg} (see --help)`);
        words.push(arg);
    }
  }
  if (words.length > 0) args.text = words.join(' ');
  if (!args.help && args.postback === undefined && args.quickReply === undefined && args.text === undefined) args.text = 'hello';
  if (args.postback !== undefined && (args.text !== undefined || args.quickReply !== undefined))
    throw new SimulateArgsError('--postback cannot be combined with message text or --quick-reply');
  return args;
}
