using LibContainer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers LibContainer in a service collection (a generic host, ASP.NET Core).</summary>
/// <example>
/// <code>
/// builder.Services.AddLibContainer(o => o.StateRoot = "/run/myapp");
/// // later: IFactory factory = services.GetRequiredService&lt;IFactory&gt;();
/// </code>
/// </example>
public static class LibContainerServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ContainerFactoryOptions"/> (IOptions: configure here, with
    /// <c>services.Configure&lt;ContainerFactoryOptions&gt;(...)</c>, or bind a configuration section
    /// to it) and one <see cref="ContainerFactory"/>, also as <see cref="IFactory"/>, made from those
    /// options and the container's <see cref="ILoggerFactory"/>. Calling it again only adds the configuration.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the factory's options; null keeps the defaults.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddLibContainer(this IServiceCollection services, Action<ContainerFactoryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<ContainerFactoryOptions> options = services.AddOptions<ContainerFactoryOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.TryAddSingleton(provider => new ContainerFactory(
            provider.GetRequiredService<IOptions<ContainerFactoryOptions>>().Value, provider.GetService<ILoggerFactory>()));
        services.TryAddSingleton<IFactory>(provider => provider.GetRequiredService<ContainerFactory>());
        return services;
    }
}
