import { PlusOutlined } from '@ant-design/icons';
import { Button, Card, Collapse, Input, Radio, Select, Space, Tag, Typography } from 'antd';
import { SURVEY_NOT_CHECKED_REASONS } from '@sanxian/api-types';
import type { FrameHousehold, FramePerson, FrameVillage, ItemEntry, NotCheckedReason, ReturnGroup, ReturnHousehold, ReturnPerson, SurveyItem, SurveyReturn } from '@sanxian/domain';
import { useI18n } from '../i18n/i18n';
import { frameValue, itemsFor, withItem, type Missing } from './survey-draft';

/** The contraception or pregnancy statuses an inspector records (避孕节育或怀孕情况). */
const CONTRACEPTION = ['iud', 'tubal-ligation', 'vasectomy', 'implant', 'pill', 'condom', 'other', 'none', 'pregnant'] as const;
const MARITAL = ['unmarried', 'married', 'divorced', 'widowed'] as const;

/** A child as a woman's `children` item lists it (its value is the JSON of a list of these). */
interface Child {
  birthDate: string;
  sex?: 'F' | 'M';
}

export interface ReturnEditorProps {
  village: FrameVillage;
  value: SurveyReturn;
  missing: Missing[];
  onChange(next: SurveyReturn): void;
}

/** The reason picker shared by groups, households, persons and items: choosing one marks the thing 未调查/未核实. */
function ReasonSelect({ value, onChange, label }: { value?: NotCheckedReason; onChange(reason: NotCheckedReason | undefined): void; label: string }) {
  const { t, tk } = useI18n();
  return (
    <Select
      aria-label={label}
      allowClear
      size="small"
      style={{ minWidth: 132 }}
      placeholder={t('survey.reasonPlaceholder')}
      value={value}
      onChange={(reason) => onChange(reason as NotCheckedReason | undefined)}
      options={SURVEY_NOT_CHECKED_REASONS.map((reason) => ({ value: reason, label: tk('reason', reason) }))}
    />
  );
}

function MissingTag({ count }: { count: number }) {
  const { t } = useI18n();
  return count ? <Tag color="warning">{t('survey.missingCount', { count })}</Tag> : <Tag color="success">{t('survey.complete')}</Tag>;
}

/** Marks a group, household or person visited, or not visited for a reason. */
function VisitStatus({ status, reason, label, onChange }: {
  status: 'checked' | 'not-checked'; reason?: NotCheckedReason; label: string; onChange(status: 'checked' | 'not-checked', reason?: NotCheckedReason): void;
}) {
  const { t } = useI18n();
  return (
    <Space wrap size={4} className="sx-survey-visit">
      <Radio.Group
        size="small"
        value={status}
        aria-label={label}
        onChange={(e) => onChange(e.target.value as 'checked' | 'not-checked', e.target.value === 'checked' ? undefined : reason)}
        options={[{ value: 'checked', label: t('survey.visited') }, { value: 'not-checked', label: t('survey.notVisited') }]}
        optionType="button"
      />
      {status === 'not-checked' && <ReasonSelect label={`${label} ${t('survey.reasonPlaceholder')}`} value={reason} onChange={(r) => onChange('not-checked', r)} />}
    </Space>
  );
}

function ChildrenEditor({ value, label, onChange }: { value: Child[]; label: string; onChange(children: Child[]): void }) {
  const { t, tk } = useI18n();
  return (
    <Space direction="vertical" size={4} style={{ width: '100%' }}>
      {value.length === 0 && <Typography.Text className="sx-muted">{t('survey.noChildren')}</Typography.Text>}
      {value.map((child, index) => (
        <Space key={index} wrap size={4}>
          <Select
            size="small"
            aria-label={`${label} ${index + 1} ${t('item.sex')}`}
            style={{ width: 72 }}
            value={child.sex}
            onChange={(sex) => onChange(value.map((c, i) => (i === index ? { ...c, sex } : c)))}
            options={(['F', 'M'] as const).map((sex) => ({ value: sex, label: tk('value', sex) }))}
          />
          <Input
            size="small"
            type="date"
            aria-label={`${label} ${index + 1} ${t('survey.childBirthDate')}`}
            value={child.birthDate}
            onChange={(e) => onChange(value.map((c, i) => (i === index ? { ...c, birthDate: e.target.value } : c)))}
            style={{ width: 150 }}
          />
          <Button size="small" type="link" onClick={() => onChange(value.filter((_, i) => i !== index))}>{t('survey.removeChild')}</Button>
        </Space>
      ))}
      <Button size="small" icon={<PlusOutlined />} onClick={() => onChange([...value, { birthDate: '' }])}>{t('survey.addChild')}</Button>
    </Space>
  );
}

function parseChildren(value: string | null): Child[] {
  try {
    const parsed = JSON.parse(value ?? '[]') as Child[];
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

/** One item of a person: the registry's value beside it, the value seen, or the reason it was not checked. */
/** A children list in words: 2019-03-02 女、2021-07-09 男 (or 无子女). */
function childrenText(value: string, { t, tk }: Pick<ReturnType<typeof useI18n>, 't' | 'tk'>): string {
  const children = parseChildren(value);
  return children.length ? children.map((c) => `${c.birthDate}${c.sex ? ` ${tk('value', c.sex)}` : ''}`).join('、') : t('survey.noChildren');
}

function ItemRow({ item, framePerson, frameHousehold, entry, personLabel, onChange }: {
  item: SurveyItem; framePerson?: FramePerson; frameHousehold?: FrameHousehold; entry?: ItemEntry; personLabel: string; onChange(entry: ItemEntry | undefined): void;
}) {
  const i18n = useI18n();
  const { t, tk } = i18n;
  const label = `${personLabel} ${t(`item.${item}`)}`;
  const seen = entry?.status === 'checked' ? entry.value : null;
  const check = (value: string | null | undefined) => onChange(value === undefined || value === '' ? undefined : { item, status: 'checked', value });
  const registry = frameValue(framePerson, item, frameHousehold);
  const shown = item === 'sex' || item === 'maritalStatus' ? (registry ? tk('value', registry) : '') : registry;
  let editor;
  switch (item) {
    case 'sex':
      editor = <Select size="small" aria-label={label} allowClear style={{ width: 88 }} value={seen ?? undefined} onChange={check} options={(['F', 'M'] as const).map((v) => ({ value: v, label: tk('value', v) }))} />;
      break;
    case 'maritalStatus':
      editor = <Select size="small" aria-label={label} allowClear style={{ width: 110 }} value={seen ?? undefined} onChange={check} options={MARITAL.map((v) => ({ value: v, label: tk('value', v) }))} />;
      break;
    case 'contraception':
      editor = <Select size="small" aria-label={label} allowClear style={{ width: 132 }} value={seen ?? undefined} onChange={check} options={CONTRACEPTION.map((v) => ({ value: v, label: tk('contraception', v) }))} />;
      break;
    case 'children':
      editor = entry?.status === 'checked'
        ? <ChildrenEditor label={label} value={parseChildren(seen)} onChange={(children) => onChange({ item, status: 'checked', value: JSON.stringify(children) })} />
        : <Button size="small" aria-label={label} onClick={() => onChange({ item, status: 'checked', value: '[]' })}>{t('survey.itemChecked')}</Button>;
      break;
    case 'birthDate':
      editor = <Input size="small" type="date" aria-label={label} style={{ width: 150 }} value={seen ?? ''} onChange={(e) => check(e.target.value)} />;
      break;
    default:
      editor = <Input size="small" aria-label={label} translate={item === 'citizenId' ? 'no' : undefined} style={{ maxWidth: 220 }} value={seen ?? ''} onChange={(e) => check(e.target.value)} />;
  }
  return (
    <div className="sx-survey-item" data-item={item} data-state={entry?.status ?? 'missing'}>
      <div className="sx-survey-item-head">
        <Typography.Text strong>{t(`item.${item}`)}</Typography.Text>
        {item !== 'contraception' && (
          <Typography.Text className="sx-muted" translate={item === 'citizenId' || item === 'name' ? 'no' : undefined}>
            {shown ? t('survey.registryValue', { value: item === 'children' ? childrenText(registry, i18n) : shown }) : t('survey.registryNone')}
          </Typography.Text>
        )}
      </div>
      <Space wrap size={4}>
        {entry?.status !== 'not-checked' && editor}
        <ReasonSelect
          label={`${label} ${t('survey.itemNotChecked')}`}
          value={entry?.status === 'not-checked' ? entry.reason : undefined}
          onChange={(reason) => onChange(reason ? { item, status: 'not-checked', reason } : undefined)}
        />
      </Space>
    </div>
  );
}

function personLabelOf(person: ReturnPerson, framePerson: FramePerson | undefined, t: ReturnType<typeof useI18n>['t']): string {
  return framePerson?.name ?? `${t('survey.personAdded')} ${person.personKey.replace(/^new:/, '')}`;
}

function PersonCard({ person, framePerson, frameHousehold, missing, onChange }: {
  person: ReturnPerson; framePerson?: FramePerson; frameHousehold?: FrameHousehold; missing: number; onChange(person: ReturnPerson): void;
}) {
  const { t, tk } = useI18n();
  const label = personLabelOf(person, framePerson, t);
  const items = itemsFor(framePerson);
  // Each item the registry holds a value of, checked as that value: for the inspector who has seen it so.
  const asRegistry = () => {
    let next = person;
    for (const item of items) {
      const value = frameValue(framePerson, item, frameHousehold);
      if (value) next = withItem(next, { item, status: 'checked', value });
    }
    onChange(next);
  };
  return (
    <Card
      size="small"
      className="sx-survey-person"
      data-person={person.personKey}
      title={<span><span translate="no">{label}</span>{framePerson ? <Typography.Text className="sx-muted"> · {tk('value', framePerson.role)}</Typography.Text> : <Tag color="blue" style={{ marginLeft: 6 }}>{t('survey.personAdded')}</Tag>}</span>}
      extra={<MissingTag count={missing} />}
    >
      <VisitStatus
        label={label}
        status={person.status}
        reason={person.reason}
        onChange={(status, reason) => onChange({ ...person, status, reason })}
      />
      {person.status === 'checked' && (
        <>
          {framePerson && <Button size="small" type="dashed" style={{ margin: '8px 0' }} onClick={asRegistry}>{t('survey.sameAsRegistry')}</Button>}
          {items.map((item) => (
            <ItemRow
              key={item}
              item={item}
              framePerson={framePerson}
              frameHousehold={frameHousehold}
              personLabel={label}
              entry={person.items.find((e) => e.item === item)}
              onChange={(entry) => onChange(entry ? withItem(person, entry) : { ...person, items: person.items.filter((e) => e.item !== item) })}
            />
          ))}
        </>
      )}
    </Card>
  );
}

function HouseholdPanel({ household, frameHousehold, missing, onChange }: {
  household: ReturnHousehold; frameHousehold?: FrameHousehold; missing: Missing[]; onChange(household: ReturnHousehold): void;
}) {
  const { t } = useI18n();
  const addPerson = () => {
    const next = household.persons.filter((p) => p.personKey.startsWith('new:')).length + 1;
    onChange({ ...household, persons: [...household.persons, { personKey: `new:${next}`, status: 'checked', items: [] }] });
  };
  return (
    <Space direction="vertical" size={8} style={{ width: '100%' }}>
      <VisitStatus
        label={`${t('survey.household')} ${household.householdKey}`}
        status={household.status}
        reason={household.reason}
        onChange={(status, reason) => onChange({ ...household, status, reason })}
      />
      {household.status === 'checked' && (
        <>
          {household.persons.map((person) => (
            <PersonCard
              key={person.personKey}
              person={person}
              framePerson={frameHousehold?.persons.find((p) => p.personKey === person.personKey)}
              frameHousehold={frameHousehold}
              missing={missing.filter((m) => m.personKey === person.personKey).length}
              onChange={(p) => onChange({ ...household, persons: household.persons.map((q) => (q.personKey === p.personKey ? p : q)) })}
            />
          ))}
          <Button size="small" icon={<PlusOutlined />} onClick={addPerson}>{t('survey.addPerson')}</Button>
        </>
      )}
    </Space>
  );
}

/**
 * The return of one drawn village as a tree the inspector walks: every group of the frame, every
 * household of a group (and any the inspector adds), every person of a household, every item of a
 * person, each with how much of it is still not accounted for.
 */
export function ReturnEditor({ village, value, missing, onChange }: ReturnEditorProps) {
  const { t } = useI18n();
  const setGroup = (group: ReturnGroup) => onChange({ ...value, groups: value.groups.map((g) => (g.groupCode === group.groupCode ? group : g)) });
  return (
    <Collapse
      className="sx-survey-groups"
      items={value.groups.map((group) => {
        const frameGroup = village.groups.find((g) => g.groupCode === group.groupCode);
        const groupMissing = missing.filter((m) => m.groupCode === group.groupCode);
        const addHousehold = () => {
          const next = group.households.filter((h) => h.added).length + 1;
          // Keys of added households and persons are `new:<n>`, numbered within their group or household.
          const householdKey = `new:${next}`;
          setGroup({ ...group, households: [...group.households, { householdKey, added: true, status: 'checked', persons: [{ personKey: 'new:1', status: 'checked', items: [] }] }] });
        };
        return {
          key: group.groupCode,
          label: <span data-group={group.groupCode}>{t('survey.group', { group: group.groupCode })}</span>,
          extra: <MissingTag count={groupMissing.length} />,
          children: (
            <Space direction="vertical" size={8} style={{ width: '100%' }}>
              <VisitStatus
                label={t('survey.group', { group: group.groupCode })}
                status={group.status}
                reason={group.reason}
                onChange={(status, reason) => setGroup({ ...group, status, reason })}
              />
              {group.status === 'checked' && (
                <>
                  <Collapse
                    size="small"
                    items={group.households.map((household) => ({
                      key: household.householdKey,
                      label: (
                        <span data-household={household.householdKey}>
                          {household.added ? <Tag color="blue">{t('survey.householdAdded')}</Tag> : t('survey.household')}{' '}
                          <span translate="no">{household.added ? household.householdKey.replace(/^new:/, '') : household.householdKey}</span>
                        </span>
                      ),
                      extra: <MissingTag count={groupMissing.filter((m) => m.householdKey === household.householdKey).length} />,
                      children: (
                        <HouseholdPanel
                          household={household}
                          frameHousehold={frameGroup?.households.find((h) => h.householdKey === household.householdKey)}
                          missing={groupMissing.filter((m) => m.householdKey === household.householdKey)}
                          onChange={(h) => setGroup({ ...group, households: group.households.map((x) => (x.householdKey === h.householdKey ? h : x)) })}
                        />
                      ),
                    }))}
                  />
                  <Button size="small" icon={<PlusOutlined />} onClick={addHousehold}>{t('survey.addHousehold')}</Button>
                </>
              )}
            </Space>
          ),
        };
      })}
    />
  );
}
