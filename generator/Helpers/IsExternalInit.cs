namespace System.Runtime.CompilerServices;

// Lets records and init-only properties compile for netstandard2.0, which lacks this marker type.
internal static class IsExternalInit
{
}
