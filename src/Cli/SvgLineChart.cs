using System.Globalization;
using System.Net;
using System.Text;

namespace CkksRns.Cli;

/// <summary>A small SVG line chart (our own renderer): linear x axis, logarithmic y axis, markers, legend.</summary>
internal sealed class SvgLineChart
{
    private const int Width = 760, Height = 460, Left = 70, Right = 210, Top = 50, Bottom = 60;

    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f"];

    private readonly List<(string Name, bool Dashed, List<(double X, double Y)> Points)> _series = [];

    public string Title { get; init; } = string.Empty;

    public string XLabel { get; init; } = string.Empty;

    public string YLabel { get; init; } = string.Empty;

    public void Add(string name, IEnumerable<(double X, double Y)> points, bool dashed = false) =>
        _series.Add((name, dashed, [.. points.Where(p => p.Y > 0 && double.IsFinite(p.Y)).OrderBy(p => p.X)]));

    public string Render()
    {
        var all = _series.SelectMany(s => s.Points).ToList();
        if (all.Count == 0)
        {
            throw new InvalidOperationException("The chart has no points.");
        }

        double xMin = Math.Floor(all.Min(p => p.X)), xMax = Math.Ceiling(all.Max(p => p.X));
        if (xMax == xMin)
        {
            xMax = xMin + 1;
        }

        double yMin = Math.Pow(10, Math.Floor(Math.Log10(all.Min(p => p.Y)))), yMax = Math.Pow(10, Math.Ceiling(Math.Log10(all.Max(p => p.Y))));
        if (yMax <= yMin)
        {
            yMax = yMin * 10;
        }

        int plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double X(double x) => Left + ((x - xMin) / (xMax - xMin) * plotW);
        double Y(double y) => Top + plotH - ((Math.Log10(y) - Math.Log10(yMin)) / (Math.Log10(yMax) - Math.Log10(yMin)) * plotH);

        var svg = new StringBuilder();
        svg.Append(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        svg.Append(F($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n"));
        svg.Append(F($"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Escape(Title)}</text>\n"));

        // Grid and ticks: every decade (labelled) and 2..9 (light).
        for (double decade = yMin; decade <= yMax * 1.0001; decade *= 10)
        {
            for (int m = 1; m <= 9; m++)
            {
                double v = decade * m;
                if (v > yMax * 1.0001)
                {
                    break;
                }

                double y = Y(v);
                svg.Append(F($"<line x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{Left + plotW}\" y2=\"{y:0.#}\" stroke=\"{(m == 1 ? "#bbb" : "#eee")}\"/>\n"));
                if (m == 1)
                {
                    svg.Append(F($"<text x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{FormatSeconds(v)}</text>\n"));
                }
            }
        }

        for (double x = xMin; x <= xMax; x++)
        {
            svg.Append(F($"<line x1=\"{X(x):0.#}\" y1=\"{Top}\" x2=\"{X(x):0.#}\" y2=\"{Top + plotH}\" stroke=\"#eee\"/>\n"));
            svg.Append(F($"<text x=\"{X(x):0.#}\" y=\"{Top + plotH + 18}\" text-anchor=\"middle\">{x}</text>\n"));
        }

        svg.Append(F($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#333\"/>\n"));
        svg.Append(F($"<text x=\"{Left + (plotW / 2)}\" y=\"{Height - 18}\" text-anchor=\"middle\">{Escape(XLabel)}</text>\n"));
        svg.Append(F($"<text x=\"18\" y=\"{Top + (plotH / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {Top + (plotH / 2)})\">{Escape(YLabel)}</text>\n"));

        for (int i = 0; i < _series.Count; i++)
        {
            (string name, bool dashed, List<(double X, double Y)> points) = _series[i];
            string color = Palette[i % Palette.Length];
            if (points.Count > 1)
            {
                string path = string.Join(' ', points.Select(p => F($"{X(p.X):0.#},{Y(p.Y):0.#}")));
                svg.Append(F($"<polyline points=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{(dashed ? " stroke-dasharray=\"6 4\"" : "")}/>\n"));
            }

            foreach ((double x, double y) in points)
            {
                svg.Append(F($"<circle cx=\"{X(x):0.#}\" cy=\"{Y(y):0.#}\" r=\"3.5\" fill=\"{color}\"><title>{Escape(name)}: k = {x}, {FormatSeconds(y)}</title></circle>\n"));
            }

            double ly = Top + 10 + (i * 20);
            svg.Append(F($"<line x1=\"{Left + plotW + 12}\" y1=\"{ly}\" x2=\"{Left + plotW + 36}\" y2=\"{ly}\" stroke=\"{color}\" stroke-width=\"2\"{(dashed ? " stroke-dasharray=\"6 4\"" : "")}/>\n"));
            svg.Append(F($"<text x=\"{Left + plotW + 42}\" y=\"{ly + 4}\">{Escape(name)}</text>\n"));
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string FormatSeconds(double seconds) => seconds >= 1 ? F($"{seconds:0.##} s") : F($"{seconds * 1000:0.##} ms");

    private static string Escape(string text) => WebUtility.HtmlEncode(text);

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
