import { Table, Tag, Typography } from 'antd';
import type { DiscrepancyDetail } from '@sanxian/api-types';
import { useI18n } from '../i18n/i18n';
import { regionName } from '../regions/regions';

/** The field a kind's single value stands for. */
const SCALAR_FIELD: Record<string, string> = {
  'marital-status-conflict': 'maritalStatus',
  'moved-out-still-registered': 'residenceStatus',
  'death-not-reflected': 'status',
  'birth-order-conflict': 'birthOrder',
  'moved-in-not-registered': 'regionCode',
};

interface Row {
  field: string;
  agency: unknown;
  registry: unknown;
  differs: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Both sides as rows of one field each: objects by their keys, a single value as the kind's field. */
export function comparisonRows(d: Pick<DiscrepancyDetail, 'kind' | 'agencyValue' | 'registryValue' | 'subjectKey'>): Row[] {
  const { agencyValue: a, registryValue: r } = d;
  if (isPlainObject(a) || isPlainObject(r)) {
    const left = isPlainObject(a) ? a : {};
    const right = isPlainObject(r) ? r : {};
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])];
    return keys.map((field) => ({
      field, agency: isPlainObject(a) ? left[field] : null, registry: isPlainObject(r) ? right[field] : null,
      differs: JSON.stringify(left[field] ?? null) !== JSON.stringify(right[field] ?? null) || !isPlainObject(a) || !isPlainObject(r),
    }));
  }
  const field = d.kind === 'identity-conflict' ? (d.subjectKey?.field ?? 'value') : (SCALAR_FIELD[d.kind] ?? 'value');
  return [{ field, agency: a, registry: r, differs: JSON.stringify(a ?? null) !== JSON.stringify(r ?? null) }];
}

function Value({ value }: { value: unknown }) {
  const { t, tk, day } = useI18n();
  if (value === null || value === undefined) return <Typography.Text className="sx-muted">{t('detail.noValue')}</Typography.Text>;
  if (Array.isArray(value)) return <>{value.map((v, i) => <div key={i}><Value value={v} /></div>)}</>;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return <>{day(value)}</>;
  if (typeof value === 'string' && /^\d{12}$|^\d{9}$/.test(value)) return <>{regionName(value)} <Typography.Text className="sx-muted">({value})</Typography.Text></>;
  if (typeof value === 'object') return <code>{JSON.stringify(value)}</code>;
  return <>{tk('value', String(value))}</>;
}

/** Agency and registry side by side; the rows where they differ are marked, in words as well as colour. */
export function ValueComparison({ detail }: { detail: DiscrepancyDetail }) {
  const { t, tk } = useI18n();
  const rows = comparisonRows(detail);
  return (
    <Table<Row>
      size="middle"
      pagination={false}
      rowKey="field"
      dataSource={rows}
      rowClassName={(row) => (row.differs ? 'sx-differs' : '')}
      columns={[
        { title: t('detail.field'), dataIndex: 'field', width: '22%', render: (field: string) => <span className="sx-field-name">{tk('field', field)}</span> },
        { title: t('detail.agencyValue'), dataIndex: 'agency', width: '34%', render: (v: unknown) => <Value value={v} /> },
        { title: t('detail.registryValue'), dataIndex: 'registry', width: '34%', render: (v: unknown) => <Value value={v} /> },
        {
          title: '', key: 'mark', width: '10%',
          render: (_: unknown, row: Row) => (row.differs ? <Tag color="error">{t('detail.differs')}</Tag> : <Tag>{t('detail.same')}</Tag>),
        },
      ]}
    />
  );
}
