"""`WAVESTACK_LLM_*`: which language models the personality may use, in order."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from wavestack.kernel.config import WordList
from wavestack.providers.llm.chain import FallbackChain
from wavestack.providers.llm.clients import AnthropicLLM, OllamaLLM, OpenAILLM
from wavestack.providers.llm.port import LLM


class LLMSettings(BaseSettings):
    """`WAVESTACK_LLM_*`. With no providers the personality works offline (its style model)."""

    model_config = SettingsConfigDict(env_prefix="WAVESTACK_LLM_", env_file=".env", extra="ignore")

    providers: WordList = Field(
        default_factory=list,
        description="Providers to try, in order: ollama, openai, compatible, anthropic "
        "(none: the offline style model only).",
    )
    timeout_seconds: float = Field(30.0, gt=0, description="How long one answer may take.")
    max_tokens: int = Field(400, ge=16, le=8192, description="Most tokens one answer may use.")
    ollama_url: str = Field("http://127.0.0.1:11434", description="Ollama server URL.")
    ollama_model: str = Field("llama3.2", description="Ollama model name.")
    openai_api_key: str = Field("", description="OpenAI API key.")
    openai_url: str = Field("https://api.openai.com/v1", description="OpenAI API base URL.")
    openai_model: str = Field("gpt-4o-mini", description="OpenAI model.")
    compatible_url: str = Field(
        "http://127.0.0.1:8000/v1",
        description="An OpenAI-compatible server (llama.cpp server, vLLM): its /v1 base URL.",
    )
    compatible_api_key: str = Field("", description="Its API key, if it wants one.")
    compatible_model: str = Field("local", description="The model it serves.")
    anthropic_api_key: str = Field("", description="Anthropic API key.")
    anthropic_url: str = Field("https://api.anthropic.com", description="Anthropic API base URL.")
    anthropic_model: str = Field("claude-haiku-4-5", description="Anthropic model.")

    def chain(self) -> FallbackChain:
        """The configured providers, in order (unknown names are refused)."""
        made: list[LLM] = []
        for name in self.providers:
            if name == "ollama":
                made.append(
                    OllamaLLM(
                        url=self.ollama_url, model=self.ollama_model, timeout=self.timeout_seconds
                    )
                )
            elif name == "openai":
                made.append(
                    OpenAILLM(
                        api_key=self.openai_api_key,
                        base_url=self.openai_url,
                        model=self.openai_model,
                        timeout=self.timeout_seconds,
                    )
                )
            elif name == "compatible":
                made.append(
                    OpenAILLM(
                        api_key=self.compatible_api_key,
                        base_url=self.compatible_url,
                        model=self.compatible_model,
                        timeout=self.timeout_seconds,
                        name="compatible",
                    )
                )
            elif name == "anthropic":
                made.append(
                    AnthropicLLM(
                        api_key=self.anthropic_api_key,
                        base_url=self.anthropic_url,
                        model=self.anthropic_model,
                        timeout=self.timeout_seconds,
                    )
                )
            else:
                raise ValueError(
                    f"unknown language model provider {name!r}: ollama, openai, compatible, "
                    "anthropic"
                )
        return FallbackChain(made)
