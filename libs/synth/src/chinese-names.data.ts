/**
 * Small frequency tables for Chinese names: data, not logic. Surname weights approximate the
 * shares (per mille) of the commonest surnames in Sichuan, where 李, 王, 张, 刘 and 陈 lead and
 * 何, 罗, 蒋, 谢, 唐, 邓 are markedly commoner than nationally; given names follow the fashions
 * of each birth cohort (秀英 and 建国 for the 1940s, 婷 and 浩 for the 1990s, 梓涵 and 浩然 for the
 * 2010s). They are not copied from any library.
 */
export const SURNAMES: readonly (readonly [string, number])[] = [
  ['李', 75], ['王', 65], ['张', 60], ['刘', 55], ['陈', 55], ['杨', 40], ['何', 23], ['黄', 22], ['罗', 20],
  ['赵', 18], ['周', 18], ['吴', 16], ['谢', 14], ['蒋', 14], ['唐', 14], ['邓', 13], ['冯', 12], ['徐', 12],
  ['胡', 12], ['杜', 11], ['袁', 10], ['曾', 10], ['彭', 10], ['廖', 9], ['任', 9], ['向', 8], ['文', 8],
  ['苏', 7], ['郑', 7], ['蔡', 7], ['肖', 7], ['田', 7], ['余', 7], ['龚', 6], ['孙', 6], ['马', 6],
  ['朱', 6], ['郭', 6], ['高', 6], ['梁', 5], ['宋', 5], ['韩', 5], ['许', 5], ['汪', 5], ['雷', 5],
  ['付', 5], ['程', 5], ['魏', 5], ['范', 5], ['蒲', 5], ['敬', 4], ['母', 4], ['严', 4], ['侯', 4],
  ['姚', 4], ['熊', 4], ['叶', 4], ['钟', 4], ['贾', 3], ['秦', 3], ['邹', 3], ['石', 3], ['谭', 3],
  ['贺', 3], ['董', 3], ['陶', 3], ['岳', 3], ['苟', 3], ['鲜', 2], ['伍', 2], ['漆', 2], ['庞', 2],
];

/** Given names by sex and birth cohort (first year of the cohort), as whole names and as single characters. */
export interface GivenNameCohort {
  from: number;
  whole: readonly string[];
  single: readonly string[];
  /** Share of one-character given names in the cohort. */
  singleShare: number;
}

export const FEMALE_GIVEN: readonly GivenNameCohort[] = [
  { from: 1900, whole: ['秀英', '桂英', '秀兰', '玉兰', '桂兰', '淑珍', '秀珍', '玉珍', '凤英', '素芳', '翠兰', '菊英', '玉华', '秀芳', '桂芳', '德珍'], single: ['英', '兰', '芳', '珍', '华'], singleShare: 0.1 },
  { from: 1960, whole: ['小红', '春梅', '秀琼', '玉琼', '丽华', '红梅', '建英', '素华', '群英', '晓红', '桂琼', '春兰'], single: ['丽', '红', '霞', '琼', '英', '萍', '芳', '琴', '梅', '燕', '华', '蓉', '玲'], singleShare: 0.45 },
  { from: 1980, whole: ['小丽', '晓燕', '春燕', '海燕', '雪梅', '丽娟', '小琴', '晓琳', '秀梅', '丽萍', '丹丹', '静怡'], single: ['静', '敏', '丽', '娟', '燕', '艳', '婷', '丹', '霞', '芳', '莉', '雪', '倩', '琳', '洁', '玲'], singleShare: 0.45 },
  { from: 1995, whole: ['雨欣', '思雨', '佳怡', '欣怡', '梦瑶', '雪婷', '诗雨', '婷婷', '佳琪', '思琪', '雨婷', '梦婷'], single: ['婷', '雪', '倩', '欣', '佳', '颖', '雨', '琪', '怡', '璐', '瑶'], singleShare: 0.25 },
  { from: 2010, whole: ['梓涵', '子涵', '欣怡', '诗涵', '雨桐', '一诺', '可欣', '语桐', '若汐', '欣妍', '思彤', '梓萱', '雨涵', '诗琪'], single: ['涵', '悦', '彤', '萱', '瑶'], singleShare: 0.08 },
];

export const MALE_GIVEN: readonly GivenNameCohort[] = [
  { from: 1900, whole: ['建国', '国华', '德明', '志明', '明华', '树林', '长富', '德华', '光明', '正华', '永福', '德贵', '银华', '国清'], single: ['华', '明', '林', '福', '贵'], singleShare: 0.1 },
  { from: 1960, whole: ['建华', '建军', '志刚', '国平', '建平', '志强', '小平', '德兵', '建明', '国军', '长春', '建林'], single: ['勇', '军', '强', '平', '斌', '华', '明', '伟', '林', '涛', '兵', '刚'], singleShare: 0.45 },
  { from: 1980, whole: ['志强', '俊杰', '海涛', '建波', '小龙', '小勇', '晓东', '文杰', '志伟', '建伟', '家豪', '德文'], single: ['伟', '磊', '勇', '军', '涛', '杰', '鹏', '强', '斌', '波', '超', '浩', '亮', '飞'], singleShare: 0.45 },
  { from: 1995, whole: ['浩宇', '宇航', '子豪', '俊杰', '文杰', '鑫宇', '浩然', '俊宇', '宇轩', '家乐', '志豪', '博文'], single: ['浩', '宇', '杰', '鑫', '阳', '俊', '磊', '豪', '鹏', '航'], singleShare: 0.25 },
  { from: 2010, whole: ['浩然', '子轩', '宇轩', '俊熙', '梓豪', '一鸣', '皓轩', '子墨', '奕辰', '沐宸', '浩宇', '梓睿', '宇航', '俊豪'], single: ['轩', '宸', '睿', '航', '然'], singleShare: 0.08 },
];

/**
 * Pinyin-IME slips: a character typed as another with the same toneless reading. The result is a
 * *different* name after normalisation (it is an identity conflict when the id is also known).
 */
export const HOMOPHONES: Readonly<Record<string, string>> = {
  英: '瑛', 兰: '岚', 珍: '贞', 芳: '方', 红: '虹', 霞: '侠', 萍: '平', 琴: '芹', 梅: '玫', 燕: '艳', 艳: '燕',
  丽: '莉', 莉: '丽', 玲: '铃', 静: '婧', 敏: '民', 娟: '涓', 婷: '亭', 丹: '旦', 雪: '学', 倩: '茜', 琳: '林',
  洁: '杰', 欣: '新', 佳: '家', 颖: '莹', 雨: '宇', 琪: '琦', 怡: '宜', 涵: '含', 桐: '彤', 彤: '桐', 秀: '修',
  桂: '贵', 玉: '钰', 凤: '风', 建: '健', 明: '鸣', 军: '君', 平: '萍', 斌: '彬', 伟: '玮', 林: '霖',
  涛: '韬', 磊: '雷', 勇: '永', 杰: '洁', 鹏: '朋', 波: '博', 浩: '昊', 宇: '雨', 阳: '洋', 俊: '骏',
  轩: '萱', 然: '冉', 志: '智', 刚: '钢', 华: '桦', 文: '雯', 航: '杭', 辰: '晨', 熙: '希', 梓: '子',
  子: '梓', 豪: '浩', 鑫: '新', 瑶: '遥', 思: '丝', 诗: '师', 悦: '越', 萱: '轩', 睿: '锐', 亮: '谅',
  飞: '菲', 兵: '冰', 超: '潮', 琼: '穷', 蓉: '荣', 春: '纯', 晓: '筱',
};

/**
 * Traditional forms that an old ledger or a Hong Kong keyboard gives; they are the *same* name
 * after normalisation (not a conflict). Each entry round-trips through OpenCC (hk → cn), which a
 * spec checks with the hub's own normaliseName.
 */
export const TRADITIONAL: Readonly<Record<string, string>> = {
  张: '張', 陈: '陳', 刘: '劉', 杨: '楊', 黄: '黃', 赵: '趙', 吴: '吳', 罗: '羅', 邓: '鄧', 冯: '馮', 谢: '謝',
  蒋: '蔣', 郑: '鄭', 韩: '韓', 许: '許', 苏: '蘇', 叶: '葉', 钟: '鍾', 丽: '麗', 华: '華', 红: '紅', 兰: '蘭',
  凤: '鳳', 国: '國', 军: '軍', 伟: '偉', 涛: '濤', 鹏: '鵬', 强: '強', 杰: '傑', 诗: '詩', 轩: '軒', 贵: '貴',
  琼: '瓊', 静: '靜', 颖: '穎', 洁: '潔', 阳: '陽', 刚: '剛', 鸣: '鳴', 诺: '諾', 瑶: '瑤', 梦: '夢', 语: '語',
  晓: '曉', 东: '東', 龙: '龍', 飞: '飛', 长: '長', 银: '銀', 龚: '龔', 马: '馬', 孙: '孫',
  邹: '鄒', 谭: '譚', 贺: '賀', 严: '嚴',
};

/**
 * Names of Uyghur, Kazakh and Hui people written in Chinese characters: given name and father's
 * name joined by the middle dot (U+00B7) that household registration uses. A few people in a
 * Sichuan county (migrant families, marriages across provinces); field systems write the dot in
 * several forms, which the synthetic feeds reproduce.
 */
export const DOTTED_NAMES: Readonly<Record<'F' | 'M', readonly string[]>> = {
  F: ['阿依古丽·买买提', '古丽娜尔·吐尔逊', '热依拉·艾力', '帕提古丽·阿不都', '迪丽努尔·热合曼', '阿娜尔·努尔兰'],
  M: ['艾力·买买提', '热合曼·吐尔逊', '努尔兰·阿不都', '买买提·艾力', '阿不都·热合曼', '吐尔逊·努尔'],
};
