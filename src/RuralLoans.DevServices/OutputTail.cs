namespace RuralLoans.DevServices;

/// <summary>The last lines a dev service printed, kept for error messages.</summary>
internal sealed class OutputTail(int capacity = 40)
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();

    public void Add(string line)
    {
        lock (_gate)
        {
            _lines.Enqueue(line);
            while (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            return _lines.Count == 0
                ? "(the dev services printed nothing)"
                : "Last output of the dev services:" + Environment.NewLine + string.Join(Environment.NewLine, _lines);
        }
    }
}
