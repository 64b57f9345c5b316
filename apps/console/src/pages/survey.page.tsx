import { CloudDownloadOutlined, CloudSyncOutlined, KeyOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Checkbox, Empty, List, Select, Space, Tag, Typography } from 'antd';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { FrameVillage, SurveyReturn } from '@sanxian/domain';
import { ApiError, NetworkError } from '../api/api-client';
import { drawDay, fetchDrawFrame, hubReachable, listCampaigns } from '../api/survey-api';
import { useSession } from '../auth/session';
import { PageTitle } from '../components/page-title';
import { describeError } from '../components/problem';
import { useI18n, type I18n } from '../i18n/i18n';
import { regionName } from '../regions/regions';
import { createDeviceKey, fingerprint, signReturn } from '../survey/device-keys';
import { keepConsoleOffline } from '../survey/offline-shell';
import { ReturnEditor } from '../survey/return-editor';
import { chinaDay, ledTeamDay, missingFromReturn, newDraft, type Missing } from '../survey/survey-draft';
import { draftKey, surveyStore, type DeviceKey, type QueuedReturn, type SurveyDay, type SyncState, type TeamMember } from '../survey/survey-store';
import { syncReturns } from '../survey/sync';

const STATE_COLOUR: Record<SyncState, string> = { pending: 'blue', synced: 'green', duplicate: 'default', rejected: 'red' };
/** How often an offline page asks whether the hub answers again. */
const RECHECK_MS = 10_000;
/** How many missing things the refusal to sign lists before it says "and n more". */
const MISSING_SHOWN = 12;

/**
 * Whether the hub can be reached, as far as the page knows: the browser's online and offline
 * events, and the page's own requests (a browser can say "online" on a phone with no signal, or
 * after a reload while offline); a request that fails for want of a network marks it offline
 * until one gets through again.
 */
function useOnline(): { online: boolean; reached(ok: boolean): void } {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    void hubReachable().then(setOnline);
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  // Offline, the page asks now and then whether the hub answers again: a browser that never said it
  // was offline (a reload while offline) says nothing when it is back either.
  useEffect(() => {
    if (online) return;
    const timer = setInterval(() => void hubReachable().then((ok) => ok && setOnline(true)), RECHECK_MS);
    return () => clearInterval(timer);
  }, [online]);
  return { online, reached: setOnline };
}

/** What is missing, in words: 第01组 户 H1 的 张三：出生日期. */
function describeMissing(m: Missing, village: FrameVillage, { t }: Pick<I18n, 't'>): string {
  const household = m.householdKey?.startsWith('new:') ? `${t('survey.householdAdded')} ${m.householdKey.slice(4)}` : m.householdKey;
  const frame = village.groups.find((g) => g.groupCode === m.groupCode)?.households.find((h) => h.householdKey === m.householdKey);
  const person = frame?.persons.find((p) => p.personKey === m.personKey)?.name ?? (m.personKey ? `${t('survey.personAdded')} ${m.personKey.replace(/^new:/, '')}` : '');
  const at = { group: m.groupCode, household: household ?? '', person };
  if (m.item) return t('survey.missing.item', { ...at, item: t(`item.${m.item}`) });
  if (m.personKey) return t('survey.missing.person', at);
  if (m.householdKey) return t('survey.missing.household', at);
  return t('survey.missing.group', at);
}

function frameCounts(villages: FrameVillage[]) {
  const groups = villages.flatMap((v) => v.groups);
  const households = groups.flatMap((g) => g.households);
  return { villages: villages.length, groups: groups.length, households: households.length, persons: households.reduce((n, h) => n + h.persons.length, 0) };
}

/**
 * 入户调查: the household survey of a spot check, on the team's device, with or without a network.
 * Before departure the leader loads the day's drawn points with their part of the frozen frame; the
 * page keeps it in IndexedDB (and the service worker keeps the console itself), so that in the
 * village it needs no network. Each village's return lists every group, household, person and item
 * (村不漏组、组不漏户、户不漏人、人不漏项) and can be signed only when all are accounted for; each
 * member who took part signs it with their key on this device; signed returns wait here and are
 * sent once the device is online.
 */
export default function SurveyPage() {
  const i18n = useI18n();
  const { t, tk, dateTime } = i18n;
  const { message, modal } = App.useApp();
  const { user } = useSession();
  const { online, reached } = useOnline();
  const [day, setDay] = useState<SurveyDay | null>(null);
  const [keys, setKeys] = useState<DeviceKey[]>([]);
  const [outbox, setOutbox] = useState<QueuedReturn[]>([]);
  const [villageCode, setVillageCode] = useState<string | undefined>();
  const [draft, setDraft] = useState<SurveyReturn | null>(null);
  const [loadingDay, setLoadingDay] = useState(false);
  const [dayError, setDayError] = useState<string | null>(null);
  /** The leader's team day whose points are not drawn yet: the page offers the draw. */
  const [undrawn, setUndrawn] = useState<ReturnType<typeof ledTeamDay>>(undefined);
  const [syncing, setSyncing] = useState(false);
  const [signers, setSigners] = useState<string[]>([]);
  const [showMissing, setShowMissing] = useState(false);

  const refresh = useCallback(async () => {
    const [days, deviceKeys, queued] = await Promise.all([surveyStore.days(), surveyStore.keys(), surveyStore.outbox()]);
    setDay(days[0] ?? null);
    setKeys(deviceKeys);
    setOutbox(queued);
  }, []);

  const sync = useCallback(async (quiet = false) => {
    setSyncing(true);
    try {
      const outcome = await syncReturns();
      if (outcome.reached !== undefined) reached(outcome.reached);
      if (!quiet || outcome.synced + outcome.duplicate + outcome.rejected > 0) message.info(t('survey.synced', { synced: outcome.synced, duplicate: outcome.duplicate, rejected: outcome.rejected, waiting: outcome.waiting }));
    } finally {
      setSyncing(false);
      setOutbox(await surveyStore.outbox());
    }
  }, [message, t, reached]);

  useEffect(() => {
    keepConsoleOffline();
    void refresh().then(() => (navigator.onLine ? sync(true) : undefined));
  }, [refresh, sync]);
  // Back online: what waits goes to the hub.
  useEffect(() => {
    if (online) void sync(true);
  }, [online, sync]);

  // The first point, until the inspector chooses another.
  useEffect(() => {
    if (day && !day.villages.some((v) => v.villageCode === villageCode)) setVillageCode(day.villages[0]?.villageCode);
  }, [day, villageCode]);
  const village = day?.villages.find((v) => v.villageCode === villageCode);
  const signedHere = outbox.filter((q) => day && q.signed.return.drawId === day.drawId && q.signed.return.villageCode === villageCode);

  // The village's draft: the one kept on the device, or a new one from the frame (unless its return is signed already).
  useEffect(() => {
    setShowMissing(false);
    if (!day || !village) return setDraft(null);
    let current = true;
    void surveyStore.draft(draftKey(day.drawId, village.villageCode)).then((kept) => {
      if (!current) return;
      if (kept) setDraft(kept);
      else if (signedHere.length) setDraft(null);
      else setDraft(newDraft({ returnId: crypto.randomUUID(), campaignId: day.campaignId, drawId: day.drawId, surveyDate: day.date, village }));
    });
    return () => {
      current = false;
    };
    // (Not on signedHere, which changes with every outbox refresh: the draft is chosen when the village changes.)
  }, [day, village]);

  const change = (next: SurveyReturn) => {
    setDraft(next);
    if (day) void surveyStore.saveDraft(draftKey(day.drawId, next.villageCode), next);
  };

  const missing = useMemo(() => (draft && village && day ? missingFromReturn(draft, village) : []), [draft, village, day]);
  const team: TeamMember[] = day?.team ?? (user ? [{ staffId: user.userId, leader: true }] : []);
  const keyOf = (staffId: string) => keys.find((k) => k.staffId === staffId);
  const memberName = (member: TeamMember) =>
    member.staffId === user?.userId ? user.username : `${t(member.leader ? 'survey.leader' : 'survey.member')} ${team.filter((m) => !m.leader).indexOf(member) + 1 || ''}`.trim();
  const signable = team.filter((m) => keyOf(m.staffId));
  // Everyone with a key here signs unless unticked; chosen again when keys or the day change.
  useEffect(() => setSigners(signable.map((m) => m.staffId)), [keys, day]);

  /** Keeps the drawn points of the leader's team day on the device. */
  const keepDay = async (teamDay: NonNullable<ReturnType<typeof ledTeamDay>>) => {
    const frame = await fetchDrawFrame(teamDay.campaignId, teamDay.day, teamDay.teamId);
    await surveyStore.saveDay({
      campaignId: teamDay.campaignId, drawId: frame.draw.id, date: teamDay.day, teamId: teamDay.teamId, team: teamDay.team,
      villages: frame.villages, loadedAt: new Date().toISOString(),
    });
    setUndrawn(undefined);
    await refresh();
  };

  const loadDay = async (draw = false) => {
    setLoadingDay(true);
    setDayError(null);
    try {
      const teamDay = draw ? undrawn : ledTeamDay(await listCampaigns(), user?.userId ?? '', chinaDay());
      if (!teamDay) return setDayError(t('survey.noTeamDay'));
      if (draw) await drawDay(teamDay.campaignId, teamDay.day, teamDay.teamId);
      await keepDay(teamDay).catch((error) => {
        if (error instanceof ApiError && error.status === 404) return setUndrawn(teamDay);
        throw error;
      });
    } catch (error) {
      if (error instanceof NetworkError) reached(false);
      setDayError(describeError(error, i18n));
    } finally {
      setLoadingDay(false);
    }
  };

  const makeKey = async (staffId: string) => {
    await createDeviceKey(staffId);
    setKeys(await surveyStore.keys());
  };

  const sign = () => {
    if (!draft || !day) return;
    if (missing.length) return setShowMissing(true);
    const chosen = signers.map(keyOf).filter((k): k is DeviceKey => k !== undefined);
    if (!chosen.length) return message.error(t('survey.needSigner'));
    modal.confirm({
      title: t('survey.sign'),
      content: t('survey.signConfirm'),
      okText: t('survey.signNow'),
      onOk: async () => {
        const signed = await signReturn(draft, chosen);
        await surveyStore.queue(signed, draftKey(day.drawId, draft.villageCode));
        setDraft(null);
        setOutbox(await surveyStore.outbox());
        message.success(t('survey.signed'));
        if (navigator.onLine) void sync();
      },
    });
  };

  const clearDevice = () =>
    modal.confirm({
      title: t('survey.clear'),
      content: t('survey.clearConfirm'),
      okText: t('survey.clear'),
      okButtonProps: { danger: true },
      onOk: async () => {
        const kept = await surveyStore.clearSurveyed();
        setDraft(null);
        await refresh();
        message.success(t('survey.cleared', { kept }));
      },
    });

  const correction = () => {
    if (!day || !village || !signedHere.length) return;
    const original = signedHere[signedHere.length - 1].returnId;
    change({ ...newDraft({ returnId: crypto.randomUUID(), campaignId: day.campaignId, drawId: day.drawId, surveyDate: day.date, village }), corrects: original });
  };

  return (
    <div className="sx-page sx-survey">
      <PageTitle title={t('survey.title')} intro={t('survey.intro')} />
      <Alert
        data-testid="survey-network"
        type={online ? 'success' : 'warning'}
        showIcon
        message={online ? t('survey.online') : t('survey.offline')}
        style={{ margin: '12px 0' }}
      />

      <Card size="small" title={t('survey.prepare')} style={{ marginBottom: 12 }}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Text data-testid="survey-day">
            {day ? t('survey.dayLoaded', { date: i18n.day(day.date), ...frameCounts(day.villages) }) : t('survey.noDay')}
          </Typography.Text>
          <Button type="primary" icon={<CloudDownloadOutlined />} loading={loadingDay} onClick={() => loadDay()}>
            {loadingDay ? t('survey.loadingDay') : t('survey.loadDay')}
          </Button>
          {undrawn && (
            <Alert
              type="info"
              showIcon
              message={t('survey.notDrawn')}
              action={<Button size="small" type="primary" loading={loadingDay} onClick={() => loadDay(true)}>{t('survey.drawNow')}</Button>}
            />
          )}
          {dayError && <Alert role="alert" type="error" showIcon message={dayError} />}
        </Space>
      </Card>

      <Card size="small" title={<span><KeyOutlined /> {t('survey.keys')}</span>} style={{ marginBottom: 12 }}>
        <Typography.Paragraph className="sx-muted">{t('survey.keysIntro')}</Typography.Paragraph>
        <List
          size="small"
          dataSource={team}
          renderItem={(member) => {
            const key = keyOf(member.staffId);
            return (
              <List.Item data-testid="survey-key" data-staff={member.staffId}>
                <Space direction="vertical" size={2} style={{ width: '100%', minWidth: 0 }}>
                  <span>
                    <Typography.Text strong translate="no">{memberName(member)}</Typography.Text>
                    {member.leader && member.staffId === user?.userId && <Tag style={{ marginLeft: 6 }}>{t('survey.leader')}</Tag>}
                  </span>
                  <Typography.Text className="sx-muted">{t('survey.staffId')}：<span translate="no">{member.staffId}</span></Typography.Text>
                  {key ? (
                    <>
                      <Typography.Text>{t('survey.fingerprint')}：<Typography.Text code translate="no" data-testid="survey-fingerprint">{fingerprint(key.keyId)}</Typography.Text></Typography.Text>
                      <Typography.Text className="sx-muted">{t('survey.algorithm')}：<span translate="no">{key.algorithm}</span></Typography.Text>
                      <Typography.Text className="sx-muted">{t('survey.publicKey')}：</Typography.Text>
                      <Typography.Paragraph copyable={{ text: key.publicKeySpki }} code translate="no" data-testid="survey-public-key" className="sx-survey-key">
                        {key.publicKeySpki}
                      </Typography.Paragraph>
                    </>
                  ) : (
                    <Space wrap>
                      <Typography.Text className="sx-muted">{t('survey.noKey')}</Typography.Text>
                      <Button size="small" onClick={() => makeKey(member.staffId)} aria-label={`${t('survey.createKey')} ${memberName(member)}`}>{t('survey.createKey')}</Button>
                    </Space>
                  )}
                </Space>
              </List.Item>
            );
          }}
        />
      </Card>

      {day && (
        <Card size="small" title={t('survey.points')} style={{ marginBottom: 12 }}>
          <Select
            aria-label={t('survey.chooseVillage')}
            placeholder={t('survey.chooseVillage')}
            style={{ width: '100%', marginBottom: 12 }}
            value={villageCode}
            onChange={setVillageCode}
            options={day.villages.map((v) => ({ value: v.villageCode, label: `${regionName(v.villageCode)} ${v.villageCode}` }))}
          />
          {village && !draft && signedHere.length > 0 && (
            <Space direction="vertical">
              <Alert type="success" showIcon message={t('survey.signedVillage')} />
              <Button onClick={correction}>{t('survey.newReturn')}</Button>
            </Space>
          )}
          {village && draft && (
            <Space direction="vertical" size={12} style={{ width: '100%' }}>
              <ReturnEditor village={village} value={draft} missing={missing} onChange={change} />
              <Card size="small" title={t('survey.sign')} data-testid="survey-sign">
                <Typography.Paragraph className="sx-muted">{t('survey.signIntro')}</Typography.Paragraph>
                <Typography.Text strong>{t('survey.signers')}</Typography.Text>
                <Checkbox.Group
                  style={{ display: 'flex', flexDirection: 'column', margin: '6px 0 12px' }}
                  value={signers}
                  onChange={(values) => setSigners(values as string[])}
                  options={team.map((m) => ({ value: m.staffId, disabled: !keyOf(m.staffId), label: <span translate="no">{memberName(m)}</span> }))}
                />
                {showMissing && missing.length > 0 && (
                  <Alert
                    role="alert"
                    type="error"
                    showIcon
                    data-testid="survey-missing"
                    style={{ marginBottom: 12 }}
                    message={t('survey.cannotSign', { count: missing.length })}
                    description={
                      <ul style={{ margin: 0, paddingInlineStart: 18 }}>
                        {missing.slice(0, MISSING_SHOWN).map((m, i) => <li key={i}>{describeMissing(m, village, i18n)}</li>)}
                        {missing.length > MISSING_SHOWN && <li>{t('survey.andMore', { count: missing.length - MISSING_SHOWN })}</li>}
                      </ul>
                    }
                  />
                )}
                <Button type="primary" block onClick={sign}>{t('survey.signNow')}</Button>
              </Card>
            </Space>
          )}
        </Card>
      )}

      <Card
        size="small"
        title={t('survey.outbox')}
        extra={<Button size="small" icon={<CloudSyncOutlined />} loading={syncing} onClick={() => sync()}>{syncing ? t('survey.syncing') : t('survey.syncNow')}</Button>}
      >
        {(day || outbox.length > 0) && (
          <Button size="small" danger style={{ marginBottom: 8 }} onClick={clearDevice}>{t('survey.clear')}</Button>
        )}
        {outbox.length === 0 ? (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('survey.outboxEmpty')} />
        ) : (
          <List
            size="small"
            data-testid="survey-outbox"
            dataSource={outbox}
            renderItem={(queued) => (
              <List.Item data-return={queued.returnId} data-state={queued.state}>
                <Space direction="vertical" size={2} style={{ minWidth: 0 }}>
                  <span>
                    <Tag color={STATE_COLOUR[queued.state]}>{tk('survey.state', queued.state)}</Tag>
                    {regionName(queued.signed.return.villageCode)}
                  </span>
                  <Typography.Text className="sx-muted">
                    {t('survey.signedAt', { at: dateTime(queued.signedAt) })} · {t('survey.signatures', { count: queued.signed.signatures.length })}
                  </Typography.Text>
                  {queued.reason && queued.state === 'rejected' && (
                    // The hub's reason in its own words (its messages are English): data, not the console's text.
                    <Typography.Text type="danger">{t('survey.hubReason')}<span translate="no">{queued.reason}</span></Typography.Text>
                  )}
                </Space>
              </List.Item>
            )}
          />
        )}
      </Card>
    </div>
  );
}
