import { useEffect, useRef } from 'react';
import type { EChartsCoreOption } from 'echarts/core';
import { CONSOLE_FONT_FAMILY } from '../font';

type ECharts = typeof import('echarts/core');

// Charts draw their own text (SVG), so they are told the console's font.
const CHART_DEFAULTS = { aria: { enabled: true }, textStyle: { fontFamily: CONSOLE_FONT_FAMILY } };

let loading: Promise<ECharts> | undefined;

/** ECharts is loaded when a chart is first shown, so that it is not in the way of the first paint. */
function loadECharts(): Promise<ECharts> {
  loading ??= import('./echarts-setup').then((m) => m.echarts);
  return loading;
}

/**
 * One chart. `label` names it for screen readers; ECharts' aria module adds a spoken description
 * of the data, and every chart in the console has the same numbers in a table or list beside it.
 */
export function EChart({
  option, height = 260, label, onClick, testId,
}: {
  option: EChartsCoreOption;
  height?: number;
  label: string;
  /** A click on a data item (a bar, a point): its index in its series. */
  onClick?: (item: { dataIndex: number; seriesIndex: number; name: string }) => void;
  testId?: string;
}) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<ECharts['init']>>(undefined);
  // The latest option, for the chart that is made once ECharts has loaded.
  const latest = useRef(option);
  latest.current = option;
  const clicked = useRef(onClick);
  clicked.current = onClick;

  useEffect(() => {
    let disposed = false;
    const observer = new ResizeObserver(() => chart.current?.resize());
    loadECharts().then((echarts) => {
      if (disposed || !element.current) return;
      chart.current = echarts.init(element.current, undefined, { renderer: 'svg' });
      chart.current.setOption({ ...CHART_DEFAULTS, ...latest.current });
      chart.current.on('click', (item) => clicked.current?.({ dataIndex: item.dataIndex, seriesIndex: item.seriesIndex ?? 0, name: item.name }));
      observer.observe(element.current);
    });
    return () => {
      disposed = true;
      observer.disconnect();
      chart.current?.dispose();
      chart.current = undefined;
    };
    // The chart is made once; option changes are applied below.
  }, []);

  useEffect(() => {
    chart.current?.setOption({ ...CHART_DEFAULTS, ...option }, true);
  }, [option]);

  return <div ref={element} role="img" aria-label={label} data-testid={testId} style={{ width: '100%', height, cursor: onClick ? 'pointer' : undefined }} />;
}
