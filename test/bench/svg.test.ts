import { chartSvg, type Panel } from '../../bench/compare/svg';

const line = (label: string, y: number): Panel['series'][number] => ({ label, colour: '#000', points: [{ x: 10, y }, { x: 100, y: y * 2 }] });
const panel = (labels: string[]): Panel => ({ title: 't', yLabel: 'ms', logY: false, series: labels.map((l, i) => line(l, i + 1)) });

/** Each legend label's x, y and the chart's height. */
function legend(svg: string, labels: string[]): { height: number; at: { x: number; y: number }[] } {
  const height = Number(/<svg [^>]*height="(\d+(?:\.\d+)?)"/.exec(svg)?.[1]);
  const at = labels.map((label) => {
    const m = new RegExp(`<text x="([\\d.]+)" y="([\\d.]+)" font-size="11">${label.replace(/[()+#×]/g, '\\$&')}</text>`).exec(svg);
    if (!m) throw new Error(`no legend label ${label}`);
    return { x: Number(m[1]), y: Number(m[2]) };
  });
  return { height, at };
}

test('short labels share a legend row, two by two', () => {
  const labels = ['portal', 'floor', 'floor + one hash', 'target'];
  const { at } = legend(chartSvg([panel(labels)], [10, 100], 'caption'), labels);
  expect(at[0].y).toBe(at[1].y);
  expect(at[1].x).toBeGreaterThan(at[0].x);
  expect(at[2].y).toBeGreaterThan(at[0].y);
});

test('a label too long for half the plot puts the legend in one column, and the chart grows to hold it', () => {
  const short = chartSvg([panel(['a', 'b', 'c', 'd'])], [10, 100], 'caption');
  const labels = ['portal, keys other than # (no hash)', 'floor, keys other than #', 'portal, # ending the PIN (hash)', 'floor, #'];
  const svg = chartSvg([panel(labels), panel(['a', 'b'])], [10, 100], 'caption');
  const { height, at } = legend(svg, labels);
  expect(new Set(at.map((p) => p.x)).size).toBe(1);
  expect(new Set(at.map((p) => p.y)).size).toBe(4);
  const caption = Number(/<text x="[\d.]+" y="([\d.]+)"[^>]*>caption<\/text>/.exec(svg)?.[1]);
  expect(caption).toBeGreaterThan(Math.max(...at.map((p) => p.y)));
  expect(height).toBeGreaterThan(caption);
  expect(height).toBeGreaterThan(legend(short, ['a']).height);
});
