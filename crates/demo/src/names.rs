//! Chinese names of people and places, drawn from weighted tables.

use crate::rng::{R, chance, pick, pick_w};
use rand::Rng;

/// Common surnames with rough relative frequencies (per mille of the population, rounded; a few
/// Hubei surnames such as 熊, 万, 柯 weighted up).
const SURNAMES: &[(&str, u32)] = &[
    ("王", 71),
    ("李", 70),
    ("张", 69),
    ("刘", 54),
    ("陈", 45),
    ("杨", 31),
    ("黄", 22),
    ("赵", 22),
    ("吴", 20),
    ("周", 19),
    ("徐", 15),
    ("孙", 14),
    ("马", 13),
    ("朱", 13),
    ("胡", 15),
    ("郭", 12),
    ("何", 12),
    ("高", 11),
    ("林", 11),
    ("罗", 10),
    ("郑", 10),
    ("梁", 9),
    ("谢", 8),
    ("宋", 8),
    ("唐", 7),
    ("许", 7),
    ("韩", 7),
    ("冯", 7),
    ("邓", 7),
    ("曹", 6),
    ("彭", 6),
    ("曾", 6),
    ("肖", 6),
    ("田", 5),
    ("董", 5),
    ("袁", 5),
    ("潘", 5),
    ("于", 5),
    ("蒋", 5),
    ("蔡", 5),
    ("余", 6),
    ("杜", 4),
    ("叶", 4),
    ("程", 4),
    ("魏", 4),
    ("苏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 4),
    ("沈", 4),
    ("姚", 4),
    ("卢", 4),
    ("姜", 3),
    ("崔", 3),
    ("钟", 3),
    ("谭", 3),
    ("陆", 3),
    ("汪", 4),
    ("范", 3),
    ("金", 3),
    ("石", 3),
    ("廖", 3),
    ("贾", 3),
    ("夏", 3),
    ("付", 3),
    ("方", 3),
    ("熊", 5),
    ("万", 4),
    ("孔", 2),
    ("黎", 2),
    ("严", 2),
    ("雷", 3),
    ("龚", 2),
    ("邹", 2),
    ("柯", 2),
    ("殷", 1),
    ("尹", 2),
    ("段", 2),
    ("毛", 2),
];

const MALE_FIRST: &[&str] = &[
    "志", "建", "国", "文", "晓", "海", "永", "俊", "明", "德", "立", "家", "子", "浩", "宇", "天",
    "振", "世", "新", "少", "春", "光", "长", "卫", "伟", "红", "泽", "思", "一", "鹏", "云", "金",
];
const MALE_LAST: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "洋", "峰", "东",
    "兵", "毅", "亮", "成", "雷", "新", "力", "晨", "阳", "博", "昊", "军", "武", "松", "彬", "锋",
    "杨", "斌", "涛", "坤", "忠", "祥", "山", "民",
];
const FEMALE_FIRST: &[&str] = &[
    "晓", "丽", "小", "春", "海", "玉", "秀", "雅", "静", "思", "梦", "欣", "雨", "佳", "婉", "嘉",
    "美", "慧", "文", "红", "金", "艳", "淑", "亚", "月", "晶", "诗", "紫", "若", "心", "向", "巧",
];
const FEMALE_LAST: &[&str] = &[
    "芳", "娟", "敏", "静", "丽", "艳", "霞", "燕", "玲", "婷", "雪", "慧", "莉", "红", "萍", "琳",
    "娜", "倩", "颖", "洁", "梅", "琴", "丹", "璐", "佳", "欣", "悦", "晶", "蓉", "瑶", "怡", "薇",
    "月", "青", "云", "兰", "凤", "秀", "华", "英", "玉", "菲", "妍", "琪", "珊", "露", "茜", "婧",
];

/// A person's name: surname and a one- or two-character given name.
pub(crate) fn person(rng: &mut R, female: bool) -> String {
    let surname = pick_w(rng, SURNAMES);
    let (first, last) = if female {
        (FEMALE_FIRST, FEMALE_LAST)
    } else {
        (MALE_FIRST, MALE_LAST)
    };
    let mut given = String::new();
    if chance(rng, 0.7) {
        let a = *pick(rng, first);
        let mut b = *pick(rng, last);
        if b == a {
            b = *pick(rng, last);
        }
        given.push_str(a);
        given.push_str(b);
    } else {
        given.push_str(pick::<&str>(rng, last));
    }
    format!("{surname}{given}")
}

/// A school leader or principal: about two in three are men.
pub(crate) fn leader(rng: &mut R) -> String {
    let female = chance(rng, 0.35);
    person(rng, female)
}

const PLACE_A: &[&str] = &[
    "东", "西", "南", "北", "大", "小", "高", "长", "新", "石", "马", "杨", "柳", "黄", "白", "青",
    "龙", "凤", "三", "双", "安", "永", "太", "平", "桃", "花", "洪", "清", "金", "银", "柏", "松",
    "枣", "梅", "兴", "丰", "和", "宝", "福", "吉", "广", "红", "古", "仙", "牛", "鹿", "雁", "鹤",
    "油", "草", "竹", "茶", "塔", "城", "河", "沙", "土", "泉", "九", "五", "六", "八",
];
const PLACE_B: &[&str] = &[
    "河", "桥", "店", "庙", "岗", "湾", "坪", "冲", "港", "口", "山", "林", "集", "埠", "铺", "坝",
    "畈", "垸", "湖", "台", "岭", "寨", "溪", "田", "沟", "堰", "岩", "城", "塘", "庄", "坡", "阳",
];
const CLAN: &[&str] = &[
    "胡", "孙", "蒋", "张", "王", "李", "刘", "陈", "周", "吴", "徐", "何", "罗", "郑", "谢", "万",
    "熊", "余", "彭", "邓", "曾", "肖", "田", "董", "袁", "潘", "蔡", "杜", "叶", "程", "魏", "夏",
];

/// A two-character place name such as 柳河, 双寺, 石岗.
pub(crate) fn place(rng: &mut R) -> String {
    let a = *pick(rng, PLACE_A);
    let mut b = *pick(rng, PLACE_B);
    if a == b {
        b = "桥";
    }
    format!("{a}{b}")
}

/// A village name: a place name, or a clan village such as 胡家河, 孙家畈.
pub(crate) fn village(rng: &mut R) -> String {
    if chance(rng, 0.45) {
        format!("{}家{}", pick(rng, CLAN), pick(rng, PLACE_B))
    } else {
        place(rng)
    }
}

/// Street names common in Chinese county towns.
pub(crate) const ROADS: &[&str] = &[
    "人民路",
    "解放路",
    "建设路",
    "文化路",
    "青年路",
    "中山路",
    "新华路",
    "胜利路",
    "光明路",
    "和平路",
    "东风路",
    "滨河路",
    "育才路",
    "长江路",
    "南湖路",
    "北京路",
    "健康路",
    "朝阳路",
    "环城路",
    "交通路",
    "书院街",
    "府前街",
    "学府路",
    "民主路",
    "幸福路",
    "工业路",
    "桂花路",
    "紫薇路",
    "金桥路",
    "站前路",
];

/// 1..=99 in Chinese numerals: 一, 十二, 二十三.
pub(crate) fn cn_num(n: u32) -> String {
    const D: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0 => "零".into(),
        1..=9 => D[n as usize].into(),
        10 => "十".into(),
        11..=19 => format!("十{}", D[(n % 10) as usize]),
        20..=99 => format!("{}十{}", D[(n / 10) as usize], D[(n % 10) as usize]),
        _ => n.to_string(),
    }
}

const MOBILE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "170", "173", "177", "178", "180", "181", "182",
    "183", "185", "186", "187", "188", "189", "191", "193", "195", "198", "199",
];

/// An 11-digit mobile number.
pub(crate) fn mobile(rng: &mut R) -> String {
    let p = pick(rng, MOBILE_PREFIXES);
    format!("{p}{:08}", rng.random_range(0..100_000_000u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::sub_rng;

    #[test]
    fn numerals() {
        assert_eq!(cn_num(1), "一");
        assert_eq!(cn_num(10), "十");
        assert_eq!(cn_num(12), "十二");
        assert_eq!(cn_num(20), "二十");
        assert_eq!(cn_num(23), "二十三");
    }

    #[test]
    fn names_look_chinese() {
        let mut rng = sub_rng(1, "names", 0);
        for _ in 0..200 {
            let female = chance(&mut rng, 0.5);
            let n = person(&mut rng, female);
            let len = n.chars().count();
            assert!((2..=3).contains(&len), "{n}");
            let m = mobile(&mut rng);
            assert_eq!(m.len(), 11);
            assert!(m.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
