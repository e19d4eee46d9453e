namespace RuralLoans.Ocr.Extraction;

/// <summary>
/// Characters Chinese personal names are commonly written with: the frequent surnames and the characters most given
/// names draw on. A name has no pattern to fail, and chi_sim misreads a dense character as a simpler real one (霞 as 起,
/// 磊 as 舌), so a character outside these lists, read with less than full confidence, sends the name to a person.
/// The lists only ever add a flag; they never change what was read, and a rare but real name costs one look.
/// </summary>
public static class NameCharacters
{
    private const string CommonSurnames =
        "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文" +
        "上官诸葛欧阳司马东方皇甫尉迟公孙慕容长孙宇文夏侯令狐" +
        "庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍韦申尤毕聂丛焦向柳邢路岳齐梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵欧阳解强柴华车冉房边";

    private const string CommonGivenNameCharacters =
        "伟芳秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂玉华建国文海春红云飞鹏辉波斌宇浩凯健俊峰亮成东林雪梅琳晶燕玲萍娜婷颖慧琴" +
        "新志永宏立德正清光荣福贵发财富强胜利民生安全山水石金银宝珍珠翠凤凰龙虎彪豹鸿雁燕莺鹃菊荷莲桃杏李梨竹松柏杨柳枫叶" +
        "一二三四五六七八九十大小中天地人和美好佳嘉欣悦乐怡思雨晨阳月星辰晓丹青彤紫蓝白黑红绿" +
        "子孝忠义礼智信仁爱诚恩惠淑贤良善懿德馨芬芝兰蕙茹菲萱薇蓉莉茜蕾莹瑶瑾瑜璐璇琪琦瑞祥祺禄寿喜庆" +
        "家庭学兴旺盛昌隆鑫森淼焱垚磊晶品众双丰顺利达通远航帆舟江河湖海洪涛波浪泉溪源清澄洁净" +
        "振兴中华卫东方向前进跃跳飞翔腾龙凤鸣鸣宏伟雄壮刚毅坚定敬谦恭俭让仲伯叔季孟" +
        "秋冬夏春季节时光阴晴霜雪露冰霖雷电风云霞虹彩" +
        "少元初长永久恒常宽容若如意旭昊昕晖曦暄皓煜炜烨炎焕辉耀灿璨" +
        "宁静安定康泰健寿福禄喜乐欢笑颜容貌秀丽俏倩媛妍婉姝娴姣娇妮娅婕媚嫣" +
        "凡帆璋琛瑛琼璟珏玮琨瑶瑗珊瑚玲珑琳瑜" +
        "志坚毅力勤奋学习工农兵商科技术艺书画诗词歌舞" +
        "宏宗祖祥先辈继承传承延续守护保卫护佑" +
        "泽润浩渊深博广阔宽厚朴素实真诚挚" +
        "群众友朋亲邻乡村镇县城市省国家邦" +
        "昭显彰明亮晖映照朗耀" +
        "铭钢铁锋锐钧铮锦绣织绮纱缘绪维纯纲纪" +
        "莎芸芹苗茂荣华英萌蓓蕊芙蓉芷兰蔚薇" +
        "俊杰豪英雄伦理" +
        "宇宙宸宏宪宽宾宣宴宜" +
        "莉丽俐利力立励历丽" +
        "军君钧均俊骏峻" +
        "桂贵归圭" +
        "翠彩采菜" +
        "娥峨鹅" +
        "秀绣琇" +
        "梦孟萌蒙" +
        "香湘祥翔" +
        "义毅益艺逸怡谊仪宜" +
        "晓小肖孝效" +
        "芬纷汾" +
        "树术庶" +
        "根耕庚" +
        "有友佑又右" +
        "旺望汪" +
        "桃涛韬陶" +
        "丰峰锋枫风凤" +
        "才材财彩" +
        "法发" +
        "全泉权荃" +
        "培佩沛" +
        "岩言延燕炎艳妍研" +
        "增曾" +
        "冬东栋" +
        "正政征铮" +
        "兵斌彬滨宾" +
        "秋求球" +
        "喜玺禧" +
        "连莲廉" +
        "留刘柳六" +
        "满曼" +
        "旗琪奇棋齐" +
        "云芸耘" +
        "奎魁葵" +
        "亭婷廷庭" +
        "启琦" +
        "轩然梓涵诺睿奕沐汐熙雅语诗可依心辰逸彦哲晟煊霖桐花娣妹弟妞木土田禾苗秧稻麦粮仓";

    /// <summary>Two-character surnames; the only way most Han names reach four characters.</summary>
    private static readonly string[] CompoundSurnames =
    [
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "夏侯", "令狐", "司徒", "司空",
        "端木", "独孤", "南宫", "西门", "呼延", "万俟", "澹台", "轩辕", "申屠", "钟离", "闻人", "赫连", "拓跋", "百里", "东郭",
    ];

    private static readonly HashSet<char> Surnames = [.. CommonSurnames];

    private static readonly HashSet<char> GivenNames = [.. CommonGivenNameCharacters];

    /// <summary>
    /// The characters of <paramref name="name"/> that are out of place: a first character that is no common surname
    /// (a stray mark read as a character before the name, 和孙文国, or a misread surname), or a later one that is
    /// neither a surname nor common in given names.
    /// </summary>
    public static IReadOnlyList<char> Unusual(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var unusual = new List<char>();
        var compound = HasCompoundSurname(name);
        for (var i = 0; i < name.Length; i++)
        {
            var known = compound && i < 2 || (i == 0 ? Surnames.Contains(name[i]) : GivenNames.Contains(name[i]) || Surnames.Contains(name[i]));
            if (!known)
            {
                unusual.Add(name[i]);
            }
        }
        return unusual;
    }

    /// <summary>Whether <paramref name="name"/> starts with a two-character surname (欧阳, 司马…).</summary>
    public static bool HasCompoundSurname(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return CompoundSurnames.Any(c => name.StartsWith(c, StringComparison.Ordinal));
    }
}
