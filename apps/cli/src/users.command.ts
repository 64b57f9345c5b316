import { userInfo } from 'node:os';
import { Command } from 'commander';
import { STAFF_ROLES, isRegionCode, isStaffRole, usernameProblem } from '@sanxian/domain';
import { StaffRepository } from '@sanxian/persistence';
import { withHub } from './cli-context';
import { UsageError } from './admin.commands';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** `sanxian users …`: the bureau's staff accounts. */
export function registerUsersCommand(program: Command): void {
  const users = program.command('users').description('staff accounts of the bureau');
  users
    .command('create')
    .description('create a staff user; the password is read from standard input, never from the command line')
    .requiredOption('--username <u>', 'sign-in name')
    .requiredOption('--role <role>', STAFF_ROLES.join('|'))
    .option('--region <code>', 'the 9-digit township, or the 12-digit village (村专干), a township user works for')
    .requiredOption('--password-stdin', 'read the password from standard input')
    .option('--json', 'print the user as JSON')
    .action(async (options: { username: string; role: string; region?: string; json?: boolean }) => {
      if (!isStaffRole(options.role)) throw new UsageError(`--role must be one of ${STAFF_ROLES.join(', ')}; got "${options.role}"`);
      const role = options.role;
      if (role === 'township' && (!options.region || !isRegionCode(options.region, ['township', 'village']))) {
        throw new UsageError('--region must be the 9-digit township or 12-digit village code of a township user');
      }
      const password = await readStdin();
      const usernameIssue = usernameProblem(options.username);
      if (usernameIssue) throw new UsageError(`--username ${usernameIssue}`);
      if (password.length < 10) throw new UsageError('the password must have at least 10 characters');
      const user = await withHub((get) => get(StaffRepository).create(options.username, password, role, options.region ?? null));
      console.log(options.json ? JSON.stringify(user) : `created ${user.role} user ${user.username}${user.regionCode ? ` for ${user.regionCode}` : ''}`);
    });
  for (const [name, description] of [
    ['disable', 'disable a staff user: every token they hold is refused from now on (audited)'],
    ['enable', 'enable a disabled staff user again (they sign in anew; old tokens stay refused) (audited)'],
  ] as const) {
    users
      .command(`${name} <username>`)
      .description(description)
      .action(async (username: string) => {
        const user = await withHub(async (get) => {
          const staff = get(StaffRepository);
          const changed = name === 'disable' ? await staff.disable(username) : await staff.enable(username);
          if (changed) await staff.audit({ userId: null, username: null, action: `user.${name}`, target: changed.id, detail: { username, by: 'cli', os_user: userInfo().username } });
          return changed;
        });
        if (!user) throw new UsageError(`no staff user "${username}"`);
        console.log(`${name}d ${user.role} user ${user.username}`);
      });
  }
  users
    .command('list')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const list = await withHub((get) => get(StaffRepository).list());
      if (options.json) console.log(JSON.stringify(list));
      else for (const u of list) console.log(`${u.username}\t${u.role}\t${u.regionCode ?? ''}${u.disabledAt ? '\tdisabled' : ''}`);
    });
}
