"""The README documents every setting and the two set-up commands."""

from __future__ import annotations

from pathlib import Path

from wavestack.kernel.config import HighlightSettings, RateLimits, Settings
from wavestack.providers.discord import DiscordSettings
from wavestack.providers.linkedin import LinkedInSettings
from wavestack.providers.llm import LLMSettings
from wavestack.providers.meta import MetaSettings
from wavestack.providers.obs import ObsSettings
from wavestack.providers.streamelements import StreamElementsSettings
from wavestack.providers.streamlabs import StreamlabsSettings
from wavestack.providers.telegram import TelegramSettings
from wavestack.providers.tiktok import TikTokSettings
from wavestack.providers.twitch import TwitchSettings
from wavestack.providers.whatsapp import WhatsAppSettings
from wavestack.providers.x import XSettings
from wavestack.providers.youtube import YouTubeSettings
from wavestack.services.auto_mod import ModerationSettings
from wavestack.services.autoposter import AutoposterSettings
from wavestack.services.bots import BotSettings
from wavestack.services.llm_gateway import GatewaySettings
from wavestack.services.personality import PersonalitySettings
from wavestack.services.publishing import PublishingSettings

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    nested = {"rate_limits", "highlights"}
    names = [f"WAVESTACK_{name.upper()}" for name in Settings.model_fields if name not in nested]
    names += [f"WAVESTACK_RATE_LIMIT_{name.upper()}" for name in RateLimits.model_fields]
    names += [f"WAVESTACK_HIGHLIGHT_{name.upper()}" for name in HighlightSettings.model_fields]
    names += [f"WAVESTACK_BOTS_{name.upper()}" for name in BotSettings.model_fields]
    names += [f"WAVESTACK_AUTO_MOD_{name.upper()}" for name in ModerationSettings.model_fields]
    names += [f"WAVESTACK_TWITCH_{name.upper()}" for name in TwitchSettings.model_fields]
    names += [f"WAVESTACK_OBS_{name.upper()}" for name in ObsSettings.model_fields]
    names += [f"WAVESTACK_DISCORD_{name.upper()}" for name in DiscordSettings.model_fields]
    names += [f"WAVESTACK_TELEGRAM_{name.upper()}" for name in TelegramSettings.model_fields]
    names += [f"WAVESTACK_WHATSAPP_{name.upper()}" for name in WhatsAppSettings.model_fields]
    names += [f"WAVESTACK_YOUTUBE_{name.upper()}" for name in YouTubeSettings.model_fields]
    names += [
        f"WAVESTACK_STREAMELEMENTS_{name.upper()}" for name in StreamElementsSettings.model_fields
    ]
    names += [f"WAVESTACK_STREAMLABS_{name.upper()}" for name in StreamlabsSettings.model_fields]
    names += [f"WAVESTACK_PUBLISHING_{name.upper()}" for name in PublishingSettings.model_fields]
    names += [f"WAVESTACK_X_{name.upper()}" for name in XSettings.model_fields]
    names += [f"WAVESTACK_TIKTOK_{name.upper()}" for name in TikTokSettings.model_fields]
    names += [f"WAVESTACK_LINKEDIN_{name.upper()}" for name in LinkedInSettings.model_fields]
    names += [f"WAVESTACK_META_{name.upper()}" for name in MetaSettings.model_fields]
    names += [f"WAVESTACK_AUTOPOSTER_{name.upper()}" for name in AutoposterSettings.model_fields]
    names += [f"WAVESTACK_PERSONALITY_{name.upper()}" for name in PersonalitySettings.model_fields]
    names += [f"WAVESTACK_LLM_{name.upper()}" for name in LLMSettings.model_fields]
    names += [f"WAVESTACK_LLM_GATEWAY_{name.upper()}" for name in GatewaySettings.model_fields]
    missing = [name for name in names if f"`{name}`" not in README]
    assert missing == []


def test_two_setup_commands() -> None:
    assert "make run" in README
    assert "make test" in README
