// Copyright (c) CloudMap.Lifecycle contributors. Licensed under the MIT License.

using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CloudMap.Lifecycle.Tests.PublicApi;

/// <summary>
/// Checks the guard clauses of every public extension method. The public surface itself is tracked by
/// Microsoft.CodeAnalysis.PublicApiAnalyzers (<c>PublicAPI.Shipped.txt</c>/<c>PublicAPI.Unshipped.txt</c> next to each
/// shipped csproj): a public change that is not recorded there fails the build (RS0016/RS0017).
/// </summary>
public sealed class PublicApiTests
{
    private static readonly Assembly Library = typeof(CloudMapRegistrationOptions).Assembly;

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

    [Theory]
    [MemberData(nameof(ExtensionMethods))]
    public void ExtensionMethod_NullForEveryNullableParameter_ReturnsItsReceiver(string signature)
    {
        var method = PublicExtensionMethods().Single(m => Describe(m) == signature);
        var arguments = method.GetParameters().Select(p => IsNullable(p) ? null : ValidArgument(p)).ToArray();

        var result = method.Invoke(null, arguments);

        Assert.Same(arguments[0], result);
    }

    [Fact]
    public void ExtensionMethods_AllFound()
    {
        // 6 on IServiceCollection ((), configure, section, section+configure, name+configure, the core name+section?+configure?)
        // and 5 on IHostApplicationBuilder ((), configure?, name, name+configure?, name+section+configure?).
        Assert.Equal(11, PublicExtensionMethods().Count());
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
}
