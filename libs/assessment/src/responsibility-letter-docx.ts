import { AlignmentType, BorderStyle, Document, Packer, Paragraph, Table, TableCell, TableRow, TextRun, WidthType } from 'docx';
import { showInvisibleCharacters, type LetterContent, type LocalizedName } from '@sanxian/domain';

export const DOCX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** What a letter document shows: the targets, and who signed for the unit on which day. */
export interface LetterDocument {
  content: LetterContent;
  responsible: { name: string; post: string };
  signedOn: string;
}

/**
 * Chinese text in a font that has it: Word falls back to a Latin font for runs without an east-Asian
 * font and shows boxes on machines without one, so every run names SimSun (宋体) for Chinese and
 * Times New Roman for the rest, and says its language is zh-CN.
 */
const FONTS = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', cs: 'Times New Roman', eastAsia: 'SimSun' };
const HEADING_FONT = { ...FONTS, eastAsia: 'SimHei' };

const text = (value: string, options: { bold?: boolean; size?: number; heading?: boolean } = {}) =>
  new TextRun({ text: value, bold: options.bold, size: options.size, font: options.heading ? HEADING_FONT : FONTS, language: { eastAsia: 'zh-CN' } });

const line = (runs: TextRun[], options: { center?: boolean; after?: number } = {}) =>
  new Paragraph({ children: runs, alignment: options.center ? AlignmentType.CENTER : undefined, spacing: { after: options.after ?? 120 } });

/** Chinese first, English second, as the bureau's documents are read. */
const both = (name: LocalizedName) => `${name.zh}（${name.en}）`;

function cell(lines: string[], options: { bold?: boolean; width: number }): TableCell {
  return new TableCell({
    width: { size: options.width, type: WidthType.PERCENTAGE },
    children: lines.map((l, i) => line([text(l, { bold: options.bold, size: i === 0 ? 21 : 17 })], { after: 0 })),
  });
}

function targetTable(content: LetterContent): Table {
  const border = { style: BorderStyle.SINGLE, size: 4, color: '808080' };
  const header = new TableRow({
    tableHeader: true,
    children: [['指标', 'indicator', 34], ['分值', 'points', 10], ['目标', 'target', 12], ['要求', 'requirement', 44]].map(([zh, en, width]) =>
      cell([String(zh), String(en)], { bold: true, width: Number(width) })),
  });
  const rows = content.targets.map((t) => new TableRow({
    children: [
      cell([t.name.zh, t.name.en], { width: 34 }),
      cell([String(t.points)], { width: 10 }),
      cell([t.target === null ? '—' : String(t.target)], { width: 12 }),
      cell([t.requirement.zh, t.requirement.en], { width: 44 }),
    ],
  }));
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    borders: { top: border, bottom: border, left: border, right: border, insideHorizontal: border, insideVertical: border },
    rows: [header, ...rows],
  });
}

/** The letter as a Word document (.docx), made by the `docx` library. */
export async function responsibilityLetterDocx(letter: LetterDocument): Promise<Buffer> {
  const { content, signedOn } = letter;
  // Names and posts are typed in by staff: control and bidi characters are shown, never obeyed.
  const responsible = { name: showInvisibleCharacters(letter.responsible.name), post: showInvisibleCharacters(letter.responsible.post) };
  const unitName = content.unit.parent ? `${content.unit.parent.name.zh}${content.unit.name.zh}` : content.unit.name.zh;
  const [y, m, d] = signedOn.split('-').map(Number);
  const body = [
    line([text(`${content.county.name}${content.year}年度人口和计划生育目标管理责任书`, { bold: true, size: 36, heading: true })], { center: true, after: 80 }),
    line([text(`Population and family-planning responsibility letter, ${content.year}`, { size: 22 })], { center: true, after: 240 }),
    line([text(`责任单位 unit: `, { bold: true }), text(`${unitName}（${content.line.name.zh}）`), text(`  ${content.unit.name.en}, ${content.line.name.en}`, { size: 18 })]),
    line([text(
      `为完成${content.year}年度人口和计划生育目标任务，依据《${content.county.name}${content.year}年度人口和计划生育目标管理考核办法》（${content.planId} 第${content.planVersion}版），` +
      `${unitName}对下列目标负责，年终按办法考核，兑现奖惩。`,
    )]),
    line([text(`To meet the ${content.year} targets, under the county's assessment plan ${content.planId} version ${content.planVersion}, the unit answers for the targets below, assessed at year end.`, { size: 18 })], { after: 200 }),
    line([text('一、目标任务 Targets', { bold: true, heading: true })]),
    targetTable(content),
    line([text('二、一票否决 One-vote veto', { bold: true, heading: true })], { after: 80 }),
    ...(content.vetoes.length ? content.vetoes.map((v) => line([text(`· ${both(v)}`)], { after: 40 })) : [line([text('无 none')])]),
    line([text('三、奖励 Awards', { bold: true, heading: true })], { after: 80 }),
    ...(content.awards.length
      ? content.awards.map((a) => line([text(`· ${both(a.name)}：得分不低于${a.minScore}分，奖励${a.prize}元（score ≥ ${a.minScore}, ${a.prize} yuan）`)], { after: 40 }))
      : [line([text('无 none')])]),
    line([text('')], { after: 240 }),
    line([text('责任人 responsible: ', { bold: true }), text(`${responsible.post}  ${responsible.name}`)]),
    line([text('签订日期 signed on: ', { bold: true }), text(`${y}年${m}月${d}日（${signedOn}）`)]),
  ];
  const document = new Document({
    creator: 'Sanxian Hub',
    title: `${content.year} 目标管理责任书 ${unitName}`,
    styles: { default: { document: { run: { font: FONTS, size: 24, language: { eastAsia: 'zh-CN' } } } } },
    sections: [{ children: body }],
  });
  return Packer.toBuffer(document);
}
