// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CloudMap.Lifecycle.Tests.PublicApi;

/// <summary>Tracks the public surface of CloudMap.Lifecycle.dll and checks the guard clauses of every public extension method.</summary>
public sealed class PublicApiTests
{
    private static readonly Assembly Library = typeof(CloudMapRegistrationOptions).Assembly;

    [Fact]
    public void PublicSurface_MatchesApprovedFile()
    {
        var received = Dump(Library);
        var directory = Path.GetDirectoryName(SourcePath())!;
        var approvedPath = Path.Combine(directory, "CloudMap.Lifecycle.approved.txt");
        var receivedPath = Path.Combine(directory, "CloudMap.Lifecycle.received.txt");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : string.Empty;

        if (approved != received)
        {
            File.WriteAllText(receivedPath, received);
            Assert.Fail($"The public API changed. Review the difference (diff {approvedPath} {receivedPath}) and, if intended, copy the received file over the approved one.");
        }

        File.Delete(receivedPath);
    }

    public static TheoryData<string> ExtensionMethods()
    {
        var data = new TheoryData<string>();
        foreach (var method in PublicExtensionMethods())
        {
            data.Add(Describe(method));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ExtensionMethods))]
    public void ExtensionMethod_NullArgument_ThrowsArgumentNullExceptionNamingIt(string signature)
    {
        var method = PublicExtensionMethods().Single(m => Describe(m) == signature);
        var parameters = method.GetParameters();
        for (var i = 0; i < parameters.Length; i++)
        {
            if (IsNullable(parameters[i]))
            {
                continue;
            }

            var arguments = parameters.Select(ValidArgument).ToArray();
            arguments[i] = null;

            var error = Assert.Throws<TargetInvocationException>(() => method.Invoke(null, arguments));

            var argumentNull = Assert.IsType<ArgumentNullException>(error.InnerException);
            Assert.Equal(parameters[i].Name, argumentNull.ParamName);
        }
    }

    [Fact]
    public void ExtensionMethods_AllFound()
    {
        Assert.Equal(8, PublicExtensionMethods().Count());
    }

    private static IEnumerable<MethodInfo> PublicExtensionMethods() =>
        Library.GetExportedTypes()
            .Where(t => t.IsAbstract && t.IsSealed)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Where(m => m.IsDefined(typeof(ExtensionAttribute), false));

    private static bool IsNullable(ParameterInfo parameter) =>
        new NullabilityInfoContext().Create(parameter).WriteState == NullabilityState.Nullable;

    private static object? ValidArgument(ParameterInfo parameter)
    {
        var type = parameter.ParameterType;
        if (type == typeof(IServiceCollection))
        {
            return new ServiceCollection();
        }

        if (type == typeof(IHostApplicationBuilder))
        {
            return Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        }

        if (type == typeof(IConfigurationSection))
        {
            return new ConfigurationBuilder().Build().GetSection("CloudMap");
        }

        if (type == typeof(string))
        {
            return "named";
        }

        if (type == typeof(Action<CloudMapRegistrationOptions>))
        {
            return new Action<CloudMapRegistrationOptions>(_ => { });
        }

        throw new InvalidOperationException($"No valid argument known for {type}.");
    }

    private static string Describe(MethodInfo method) =>
        $"{method.DeclaringType!.Name}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))})";

    private static string Dump(Assembly assembly)
    {
        var builder = new StringBuilder();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            builder.Append(Kind(type)).Append(' ').Append(type.FullName);
            if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(Enum) && baseType != typeof(ValueType))
            {
                builder.Append(" : ").Append(baseType.FullName);
            }

            builder.Append('\n');
            const BindingFlags Flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var members = type.GetMembers(Flags)
                .Where(m => m is not MethodInfo { IsSpecialName: true })
                .Select(Member)
                .Order(StringComparer.Ordinal);
            foreach (var member in members)
            {
                builder.Append("  ").Append(member).Append('\n');
            }
        }

        return builder.ToString();
    }

    private static string Kind(Type type) =>
        type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : type.IsSealed ? "sealed class" : "class";

    private static string Member(MemberInfo member) => member switch
    {
        ConstructorInfo c => $"ctor({Parameters(c)})",
        MethodInfo m => $"{(m.IsStatic ? "static " : string.Empty)}{TypeName(m.ReturnType)} {m.Name}({Parameters(m)})",
        PropertyInfo p => $"{TypeName(p.PropertyType)} {p.Name} {{ {(p.GetMethod?.IsPublic == true ? "get; " : string.Empty)}{(p.SetMethod?.IsPublic == true ? "set; " : string.Empty)}}}",
        FieldInfo f when f.IsLiteral => $"const {TypeName(f.FieldType)} {f.Name} = {f.GetRawConstantValue()}",
        FieldInfo f => $"{(f.IsStatic ? "static " : string.Empty)}{(f.IsInitOnly ? "readonly " : string.Empty)}{TypeName(f.FieldType)} {f.Name}",
        EventInfo e => $"event {TypeName(e.EventHandlerType!)} {e.Name}",
        Type t => $"nested {t.Name}",
        _ => member.ToString()!,
    };

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p => $"{TypeName(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : string.Empty)}"));

    private static string TypeName(Type type)
    {
        if (!type.IsGenericType)
        {
            return type.FullName ?? type.Name;
        }

        var name = type.GetGenericTypeDefinition().FullName!;
        return $"{name[..name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(TypeName))}>";
    }

    private static string SourcePath([CallerFilePath] string path = "") => path;
}
