import { Typography } from 'antd';
import type { ReactNode } from 'react';

/** A page's heading and the sentence under it that says what the page is for. */
export function PageTitle({ title, intro }: { title: ReactNode; intro: ReactNode }) {
  return (
    <div>
      <Typography.Title level={2} style={{ margin: '0 0 4px' }}>{title}</Typography.Title>
      <Typography.Text className="sx-muted">{intro}</Typography.Text>
    </div>
  );
}
