import { userInfo } from 'node:os';
import { Command } from 'commander';
import { STAFF_ROLES, isRegionCode, isStaffRole, usernameProblem } from '@sanxian/domain';
import { StaffRepository } from '@sanxian/persistence';
import { SigningKeys } from '@sanxian/survey-returns';
import { readFileSync } from 'node:fs';
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

  registerKeysCommands(users);
}

/** `sanxian users keys …`: inspectors' signing keys, enrolled and revoked by whoever runs the hub (audited as `cli`). */
function registerKeysCommands(users: Command): void {
  const keys = users.command('keys').description("inspectors' signing keys: the public halves of keys made on their devices");
  keys
    .command('add <username>')
    .description("enroll an inspector's public key (SPKI DER in base64, or a JSON file as schemas/survey/key-enrollment.schema.json) (audited)")
    .option('--algorithm <alg>', 'Ed25519 or ECDSA-P256-SHA256', 'Ed25519')
    .option('--public-key <base64>', 'the SPKI public key, base64')
    .option('--file <file>', 'a key-enrollment JSON file instead')
    .option('--label <text>', 'which device it is on')
    .option('--json', 'print the key as JSON')
    .action(async (username: string, options: { algorithm: string; publicKey?: string; file?: string; label?: string; json?: boolean }) => {
      if (!options.publicKey === !options.file) throw new UsageError('give the key with --public-key <base64> or --file <json>, one of them');
      const body = options.file
        ? (JSON.parse(readFileSync(options.file, 'utf8')) as unknown)
        : { algorithm: options.algorithm, publicKey: options.publicKey, ...(options.label ? { label: options.label } : {}) };
      const result = await withHub(async (get) => {
        const user = (await get(StaffRepository).list()).find((u) => u.username === username);
        if (!user) throw new UsageError(`no staff user "${username}"`);
        return get(SigningKeys).enroll(user.id, body, null);
      });
      if (result.outcome === 'invalid') throw new UsageError(`the key is refused: ${result.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
      if (result.outcome === 'no-inspector') throw new UsageError(`"${username}" is not an enabled inspector: keys are enrolled for users of the inspector role`);
      if (options.json) console.log(JSON.stringify({ status: result.outcome, key: result.key }));
      else console.log(`${result.outcome === 'enrolled' ? 'enrolled' : 'already enrolled'}: key ${result.key.keyId} (${result.key.algorithm}) of ${result.key.username}`);
    });
  keys
    .command('list')
    .option('--username <u>', "one inspector's keys")
    .option('--json', 'print as JSON')
    .action(async (options: { username?: string; json?: boolean }) => {
      const list = await withHub(async (get) => {
        const all = await get(SigningKeys).list();
        return options.username ? all.filter((k) => k.username === options.username) : all;
      });
      if (options.json) console.log(JSON.stringify(list));
      else for (const k of list) console.log(`${k.keyId}\t${k.username}\t${k.algorithm}\t${k.enrolledAt.toISOString()}${k.revokedAt ? `\trevoked ${k.revokedAt.toISOString()}: ${k.revocationReason}` : ''}`);
    });
  keys
    .command('revoke <keyId>')
    .description('revoke a signing key: it signs nothing from now on; what it signed stays valid (audited)')
    .requiredOption('--reason <text>', 'why (lost, retired…)')
    .action(async (keyId: string, options: { reason: string }) => {
      const result = await withHub((get) => get(SigningKeys).revoke(keyId, { reason: options.reason }, null));
      if (result.outcome === 'invalid') throw new UsageError(result.issues.map((i) => `${i.field}: ${i.message}`).join('; '));
      if (result.outcome === 'not-found') throw new UsageError(`no signing key ${keyId}`);
      if (result.outcome === 'already-revoked') throw new UsageError(`signing key ${keyId} is already revoked`);
      console.log(`revoked ${keyId} of ${result.key.username}`);
    });
}
